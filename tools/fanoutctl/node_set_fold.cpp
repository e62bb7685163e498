// fold_node_set and natural_less (node_set.hpp): names back into `r[1-6,8-32]`.
#include <algorithm>
#include <cstdint>
#include <map>
#include <set>

#include "tools/fanoutctl/node_set.hpp"

namespace fanout::ctl {
namespace {

// A name split around its last run of digits: prefix, digits, suffix.
struct numbered {
    std::string_view prefix, digits, suffix;
};

bool split_last_number(std::string_view name, numbered& out) {
    const auto end = name.find_last_of("0123456789");
    if (end == std::string_view::npos) return false;
    const auto before = name.substr(0, end + 1).find_last_not_of("0123456789");
    const auto start = before == std::string_view::npos ? 0 : before + 1;
    out = {name.substr(0, start), name.substr(start, end + 1 - start), name.substr(end + 1)};
    return out.digits.size() <= 18;
}

bool padded(std::string_view digits) {
    return digits.size() > 1 && digits.front() == '0';
}

std::string with_width(std::uint64_t value, std::size_t width) {
    auto digits = std::to_string(value);
    if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
    return digits;
}

// "1-6,8-32" (or "7" for one number) from ascending numbers.
std::string ranges_of(const std::set<std::uint64_t>& numbers, std::size_t width) {
    std::string out;
    for (auto it = numbers.begin(); it != numbers.end();) {
        auto last = it;
        while (std::next(last) != numbers.end() && *std::next(last) == *last + 1) ++last;
        if (!out.empty()) out += ',';
        out += with_width(*it, width);
        if (last != it) out += '-' + with_width(*last, width);
        it = std::next(last);
    }
    return out;
}

}  // namespace

bool natural_less(std::string_view a, std::string_view b) {
    // Chunk by chunk: runs of digits compare as numbers (shorter, i.e. smaller, first once
    // leading zeros are dropped), other runs as text; a total order, so safe for std::sort.
    const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        const bool da = is_digit(a[i]), db = is_digit(b[j]);
        std::size_t ei = i, ej = j;
        while (ei < a.size() && is_digit(a[ei]) == da) ++ei;
        while (ej < b.size() && is_digit(b[ej]) == db) ++ej;
        auto x = a.substr(i, ei - i), y = b.substr(j, ej - j);
        if (da && db) {
            const auto nx = x.substr(std::min(x.find_first_not_of('0'), x.size()));
            const auto ny = y.substr(std::min(y.find_first_not_of('0'), y.size()));
            if (nx.size() != ny.size()) return nx.size() < ny.size();
            if (nx != ny) return nx < ny;
        } else if (x != y) {
            return x < y;
        }
        i = ei;
        j = ej;
    }
    if ((i < a.size()) != (j < b.size())) return j < b.size();
    return a < b;
}

std::string fold_node_set(const std::vector<std::string>& names) {
    // (prefix, suffix) -> padding width (0: none) -> numbers; plus names that cannot fold.
    std::map<std::pair<std::string, std::string>, std::map<std::size_t, std::set<std::uint64_t>>>
        groups;
    std::set<std::string> literal;
    std::map<std::pair<std::string, std::string>, std::vector<std::string_view>> unpadded;
    for (const auto& name : names) {
        numbered n;
        if (name.find_first_of("[],") != std::string::npos || !split_last_number(name, n)) {
            literal.insert(name);
            continue;
        }
        const std::pair<std::string, std::string> key{std::string(n.prefix), std::string(n.suffix)};
        if (padded(n.digits))
            groups[key][n.digits.size()].insert(std::stoull(std::string(n.digits)));
        else
            unpadded[key].push_back(n.digits);
    }
    // An unpadded number as wide as a padded group of the same name belongs to it: mx10 is in
    // mx[01-12].
    for (const auto& [key, digits_list] : unpadded) {
        auto& widths = groups[key];
        for (const auto digits : digits_list) {
            const auto width = widths.count(digits.size()) && digits.size() > 1 ? digits.size() : 0;
            widths[width].insert(std::stoull(std::string(digits)));
        }
    }
    std::string out;
    const auto add = [&out](const std::string& item) { out += (out.empty() ? "" : ",") + item; };
    for (const auto& [key, widths] : groups) {
        for (const auto& [width, numbers] : widths) {
            if (numbers.empty()) continue;
            const auto body = ranges_of(numbers, width);
            add(key.first + (numbers.size() == 1 ? body : "[" + body + "]") + key.second);
        }
    }
    for (const auto& name : literal) add(name);
    return out;
}

}  // namespace fanout::ctl
