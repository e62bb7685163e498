#include "tools/fanoutctl/node_set.hpp"

#include <algorithm>
#include <cstdint>

namespace fanout::ctl {
namespace {

constexpr std::size_t max_digits = 18;  // fits in uint64_t with room for the arithmetic

struct range {
    std::uint64_t low = 0, high = 0, step = 1;
    std::size_t width = 0;  // zero padding; 0: none
    std::uint64_t count() const { return (high - low) / step + 1; }
};

// A literal piece of text, or a bracket group (its ranges, in written order).
struct segment {
    std::string text;
    std::vector<range> ranges;
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool parse_number(std::string_view digits, std::uint64_t& value) {
    if (digits.empty() || digits.size() > max_digits) return false;
    value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return false;
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return true;
}

// One item of a bracket group: "7", "1-50", "01-12", "1-9/2".
std::variant<range, std::string> parse_range(std::string_view item) {
    item = trim(item);
    if (item.empty()) return std::string("empty range (check the commas)");
    range r;
    std::string_view step;
    if (auto slash = item.find('/'); slash != std::string_view::npos) {
        step = item.substr(slash + 1);
        item = item.substr(0, slash);
    }
    const auto dash = item.find('-');
    const auto low = item.substr(0, dash);
    const auto high = dash == std::string_view::npos ? low : item.substr(dash + 1);
    if (!parse_number(low, r.low) || !parse_number(high, r.high))
        return "'" + std::string(item) + "' is not a number or a range of 1-18 digit numbers";
    if (!step.empty() && (!parse_number(step, r.step) || r.step == 0))
        return "step '" + std::string(step) + "' must be a positive number";
    if (r.low > r.high) return "range '" + std::string(item) + "' is reversed";
    if (low.size() > 1 && low.front() == '0') r.width = low.size();
    return r;
}

std::variant<std::vector<segment>, std::string> parse_pattern(std::string_view pattern) {
    std::vector<segment> segments;
    while (!pattern.empty()) {
        const auto open = pattern.find_first_of("[]");
        if (open == std::string_view::npos || pattern[open] == ']') {
            if (open != std::string_view::npos) return std::string("']' without '['");
            segments.push_back({std::string(pattern), {}});
            break;
        }
        if (open > 0) segments.push_back({std::string(pattern.substr(0, open)), {}});
        const auto close = pattern.find_first_of("[]", open + 1);
        if (close == std::string_view::npos || pattern[close] == '[')
            return std::string(close == std::string_view::npos ? "'[' without ']'"
                                                               : "nested '[' is not supported");
        segment group;
        auto inside = pattern.substr(open + 1, close - open - 1);
        while (true) {
            const auto comma = inside.find(',');
            auto parsed = parse_range(inside.substr(0, comma));
            if (auto* problem = std::get_if<std::string>(&parsed)) return *problem;
            group.ranges.push_back(std::get<range>(parsed));
            if (comma == std::string_view::npos) break;
            inside.remove_prefix(comma + 1);
        }
        segments.push_back(std::move(group));
        pattern.remove_prefix(close + 1);
    }
    return segments;
}

std::string padded(std::uint64_t value, std::size_t width) {
    auto digits = std::to_string(value);
    if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
    return digits;
}

void expand_into(const std::vector<segment>& segments, std::size_t index, std::string& prefix,
                 std::vector<std::string>& out) {
    if (index == segments.size()) {
        out.push_back(prefix);
        return;
    }
    const auto& s = segments[index];
    const auto kept = prefix.size();
    if (s.ranges.empty()) {
        prefix += s.text;
        expand_into(segments, index + 1, prefix, out);
    } else {
        for (const auto& r : s.ranges) {
            for (std::uint64_t v = r.low; v <= r.high; v += r.step) {
                prefix += padded(v, r.width);
                expand_into(segments, index + 1, prefix, out);
                prefix.resize(kept);
                if (r.high - v < r.step) break;  // v += step would pass high (or wrap)
            }
        }
    }
    prefix.resize(kept);
}

}  // namespace

std::variant<std::vector<std::string>, node_set_error> split_node_set(std::string_view expression) {
    std::vector<std::string> items;
    int depth = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= expression.size(); ++i) {
        const char c = i < expression.size() ? expression[i] : ',';
        if (c == '[') ++depth;
        if (c == ']') --depth;
        if (depth < 0 || depth > 1)
            return node_set_error{std::string(expression) + ": unbalanced brackets"};
        if (c == ',' && depth == 0) {
            if (auto item = trim(expression.substr(start, i - start)); !item.empty())
                items.emplace_back(item);
            start = i + 1;
        }
    }
    if (depth != 0) return node_set_error{std::string(expression) + ": '[' without ']'"};
    return items;
}

std::variant<std::vector<std::string>, node_set_error> expand_node_set(std::string_view expression,
                                                                       std::size_t limit) {
    auto split = split_node_set(expression);
    if (auto* error = std::get_if<node_set_error>(&split)) return *error;
    std::vector<std::vector<segment>> patterns;
    std::uint64_t total = 0;
    for (const auto& item : std::get<std::vector<std::string>>(split)) {
        auto parsed = parse_pattern(item);
        if (auto* problem = std::get_if<std::string>(&parsed))
            return node_set_error{item + ": " + *problem};
        std::uint64_t count = 1;
        for (const auto& s : std::get<std::vector<segment>>(parsed)) {
            std::uint64_t group = s.ranges.empty() ? 1 : 0;
            for (const auto& r : s.ranges) group += std::min<std::uint64_t>(r.count(), limit + 1);
            count = std::min<std::uint64_t>(count * std::min<std::uint64_t>(group, limit + 1),
                                            std::uint64_t{limit} + 1);
        }
        total += count;
        if (total > limit)
            return node_set_error{std::string(expression) + ": more than " + std::to_string(limit) +
                                  " names; give a smaller range"};
        patterns.push_back(std::move(std::get<std::vector<segment>>(parsed)));
    }
    std::vector<std::string> names;
    names.reserve(static_cast<std::size_t>(total));
    std::string prefix;
    for (const auto& segments : patterns) expand_into(segments, 0, prefix, names);
    return names;
}

}  // namespace fanout::ctl
