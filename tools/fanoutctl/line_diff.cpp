#include "tools/fanoutctl/line_diff.hpp"

#include <algorithm>
#include <cstdint>

namespace fanout::ctl {
namespace {

// One side's lines as hashes, so the search compares numbers; equal hashes are confirmed on
// the text (a collision only costs a comparison).
struct hashed_side {
    const std::vector<std::string_view>& lines;
    std::vector<std::size_t> hashes;
    explicit hashed_side(const std::vector<std::string_view>& l) : lines(l) {
        hashes.reserve(l.size());
        for (auto line : l) hashes.push_back(std::hash<std::string_view>{}(line));
    }
};

bool same(const hashed_side& a, std::size_t i, const hashed_side& b, std::size_t j) {
    return a.hashes[i] == b.hashes[j] && a.lines[i] == b.lines[j];
}

// Myers' greedy forward search on a[lo_a, lo_a + n) and b[lo_b, lo_b + m), keeping each
// round's frontier (V[-d..d]) to walk back; appends the middle part's edits to `out`.
bool myers(const hashed_side& a, const hashed_side& b, std::size_t lo_a, std::size_t lo_b,
           std::int32_t n, std::int32_t m, std::int32_t max_d, std::vector<line_edit>& out) {
    const std::int32_t offset = max_d + 1;
    std::vector<std::int32_t> v(2 * static_cast<std::size_t>(max_d) + 3, 0);
    std::vector<std::vector<std::int32_t>> trace;  // trace[d][k + d] = V[k] after round d
    std::int32_t found = -1;
    for (std::int32_t d = 0; d <= max_d && found < 0; ++d) {
        for (std::int32_t k = -d; k <= d; k += 2) {
            std::int32_t x = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]))
                                 ? v[offset + k + 1]
                                 : v[offset + k - 1] + 1;
            std::int32_t y = x - k;
            while (x < n && y < m && same(a, lo_a + x, b, lo_b + y)) ++x, ++y;
            v[offset + k] = x;
            if (x >= n && y >= m) found = d;
        }
        trace.emplace_back(v.begin() + offset - d, v.begin() + offset + d + 1);
    }
    if (found < 0) return false;

    std::vector<line_edit> reversed;
    std::int32_t x = n, y = m;
    for (std::int32_t d = found; d > 0; --d) {
        const auto& prev = trace[d - 1];
        const auto at = [&](std::int32_t k) { return prev[k + d - 1]; };
        const std::int32_t k = x - y;
        const bool down = k == -d || (k != d && at(k - 1) < at(k + 1));
        const std::int32_t prev_k = down ? k + 1 : k - 1;
        const std::int32_t prev_x = at(prev_k), prev_y = prev_x - prev_k;
        while (x > prev_x && y > prev_y) {
            --x, --y;
            reversed.push_back({line_op::keep, lo_a + x, lo_b + y});
        }
        if (down)
            reversed.push_back({line_op::add, lo_a + prev_x, lo_b + prev_y});
        else
            reversed.push_back({line_op::remove, lo_a + prev_x, lo_b + prev_y});
        x = prev_x, y = prev_y;
    }
    while (x > 0 && y > 0) {
        --x, --y;
        reversed.push_back({line_op::keep, lo_a + x, lo_b + y});
    }
    out.insert(out.end(), reversed.rbegin(), reversed.rend());
    return true;
}

// "@@ -3,4 +3,5 @@": 1-based first line and count; an empty range names the line before it.
std::string range_of(std::size_t first, std::size_t count) {
    std::string out = std::to_string(count ? first + 1 : first);
    if (count != 1) out += "," + std::to_string(count);
    return out;
}

}  // namespace

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const auto end = text.find('\n');
        lines.push_back(text.substr(0, end));
        if (end == text.npos) break;
        text.remove_prefix(end + 1);
    }
    return lines;
}

std::optional<std::vector<line_edit>> diff_lines(const std::vector<std::string_view>& a,
                                                 const std::vector<std::string_view>& b,
                                                 const diff_limits& limits) {
    std::size_t prefix = 0;
    while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
    std::size_t suffix = 0;
    while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
           a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix])
        ++suffix;
    const std::size_t n = a.size() - prefix - suffix, m = b.size() - prefix - suffix;
    if (n > limits.max_lines || m > limits.max_lines) return std::nullopt;
    // Every line of one side differs at least: |n - m| edits, and at most n + m.
    const std::size_t least = n > m ? n - m : m - n;
    if (least > limits.max_edits) return std::nullopt;

    std::vector<line_edit> edits;
    edits.reserve(prefix + suffix + n + m);
    for (std::size_t i = 0; i < prefix; ++i) edits.push_back({line_op::keep, i, i});
    if (n == 0 || m == 0) {
        for (std::size_t i = 0; i < n; ++i) edits.push_back({line_op::remove, prefix + i, prefix});
        for (std::size_t j = 0; j < m; ++j) edits.push_back({line_op::add, prefix, prefix + j});
    } else {
        const hashed_side ha(a), hb(b);
        const auto max_d = static_cast<std::int32_t>(std::min(limits.max_edits, n + m));
        if (!myers(ha, hb, prefix, prefix, static_cast<std::int32_t>(n),
                   static_cast<std::int32_t>(m), max_d, edits))
            return std::nullopt;
    }
    for (std::size_t i = 0; i < suffix; ++i)
        edits.push_back({line_op::keep, prefix + n + i, prefix + m + i});
    return edits;
}

std::string unified_diff(const std::vector<std::string_view>& a,
                         const std::vector<std::string_view>& b, std::size_t context,
                         const diff_limits& limits,
                         const std::function<std::string(std::string_view)>& sanitize) {
    const auto script = diff_lines(a, b, limits);
    if (!script)
        return "outputs differ (" + std::to_string(a.size()) + " vs " + std::to_string(b.size()) +
               " lines; too many changes to show)\n";
    const auto& edits = *script;
    const auto show = [&](std::string_view line) {
        return sanitize ? sanitize(line) : std::string(line);
    };
    std::string out;
    std::size_t i = 0;
    while (i < edits.size()) {
        if (edits[i].op == line_op::keep) {
            ++i;
            continue;
        }
        // A hunk: from `context` keeps before this change to `context` keeps after the last
        // change that is at most 2 * context keeps from the previous one.
        const std::size_t start = i >= context ? i - context : 0;
        std::size_t end = i, keeps = 0;
        for (std::size_t j = i; j < edits.size(); ++j) {
            if (edits[j].op != line_op::keep) {
                end = j + 1, keeps = 0;
            } else if (++keeps > 2 * context) {
                break;
            }
        }
        const std::size_t stop = std::min(edits.size(), end + context);
        std::size_t a_count = 0, b_count = 0;
        for (std::size_t j = start; j < stop; ++j) {
            a_count += edits[j].op != line_op::add;
            b_count += edits[j].op != line_op::remove;
        }
        out += "@@ -" + range_of(edits[start].a_line, a_count) + " +" +
               range_of(edits[start].b_line, b_count) + " @@\n";
        for (std::size_t j = start; j < stop; ++j) {
            const auto& e = edits[j];
            if (e.op == line_op::keep) out += " " + show(a[e.a_line]) + "\n";
            if (e.op == line_op::remove) out += "-" + show(a[e.a_line]) + "\n";
            if (e.op == line_op::add) out += "+" + show(b[e.b_line]) + "\n";
        }
        i = stop;
    }
    return out;
}

}  // namespace fanout::ctl
