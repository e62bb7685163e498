#include "tools/fanoutctl/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "tools/fanoutctl/node_set.hpp"
#include "tools/fanoutctl/text_lines.hpp"

namespace fanout::ctl {
namespace {

constexpr std::size_t longest_name = 255;
constexpr std::size_t names_with_suggestions = 10;
constexpr std::size_t names_examined = 20;  // each costs a pass over the whole inventory

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::size_t name_distance(std::string_view a_in, std::string_view b_in) {
    const auto a = lower(a_in), b = lower(b_in);
    // d[i][j]: distance between the first i characters of a and the first j of b.
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

std::vector<std::string> suggest_names(std::string_view unknown,
                                       const std::vector<std::string>& known, std::size_t max) {
    if (unknown.size() > longest_name) return {};
    const std::size_t allowed = unknown.size() <= 4 ? 1 : 2;
    std::vector<std::pair<std::size_t, const std::string*>> close;
    for (const auto& name : known) {
        const auto gap = name.size() > unknown.size() ? name.size() - unknown.size()
                                                      : unknown.size() - name.size();
        if (gap > allowed || name.size() > longest_name || name == unknown) continue;
        if (const auto distance = name_distance(unknown, name); distance <= allowed)
            close.emplace_back(distance, &name);
    }
    std::sort(close.begin(), close.end(), [](const auto& x, const auto& y) {
        return x.first != y.first ? x.first < y.first : natural_less(*x.second, *y.second);
    });
    // A name that differs only in case is the answer: nearer ones would only be noise.
    if (!close.empty() && close.front().first == 0)
        std::erase_if(close, [](const auto& c) { return c.first > 0; });
    std::vector<std::string> out;
    for (std::size_t i = 0; i < close.size() && i < max; ++i) out.push_back(*close[i].second);
    return out;
}

std::string format_suggestions(const std::vector<std::string>& unknown,
                               const std::vector<std::string>& known) {
    std::string out;
    std::size_t shown = 0, examined = 0;
    for (const auto& name : unknown) {
        if (shown == names_with_suggestions || examined++ == names_examined) break;
        const auto close = suggest_names(name, known);
        if (close.empty()) continue;
        ++shown;
        out += "  " + terminal_safe(name) + ": did you mean ";
        for (std::size_t i = 0; i < close.size(); ++i)
            out += (i == 0 ? "" : i + 1 == close.size() ? " or " : ", ") + terminal_safe(close[i]);
        out += "?\n";
    }
    return out;
}

}  // namespace fanout::ctl
