// "Did you mean" for router names fanoutd does not know: the inventory names closest to a
// mistyped or mis-cased one.
//
// Contract: pure. Distance is the optimal-string-alignment edit distance (insert, delete,
// substitute, swap two neighbours) between the lower-cased names, so `R1` is distance 0 from
// `r1` and `r21` is 1 from `r12`. A name is suggested when its distance is at most 1 (names of
// up to 4 characters) or 2 (longer names); the closest come first, then in natural order, at
// most `max` of them; when some differ only in case, only those. Names longer than 255 bytes
// (beyond the protocol's limit) get none.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace fanout::ctl {

std::size_t name_distance(std::string_view a, std::string_view b);

std::vector<std::string> suggest_names(std::string_view unknown,
                                       const std::vector<std::string>& known, std::size_t max = 3);

// The lines printed under an unknown_routers error: "  r9: did you mean r1, r19?" for each of
// the first 10 unknown names that has a suggestion, among the first 20 (terminal-safe); empty
// when none has.
std::string format_suggestions(const std::vector<std::string>& unknown,
                               const std::vector<std::string>& known);

}  // namespace fanout::ctl
