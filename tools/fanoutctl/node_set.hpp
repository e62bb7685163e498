// clush-style node sets: `r[1-50]`, `mx[01-12].lab`, `r[1-5,9]`, `r[1-2]-[1-4]`, and comma
// lists of them (`r[1-3],edge1`), expanded to router names and folded back.
//
// Contract: pure functions, no I/O. Expansion keeps the written order (ranges ascending, the
// leftmost bracket group varying slowest) and zero padding (`[01-12]` gives `01`..`12`); a
// range may have a step (`[1-9/2]`). The size of an expansion is computed before anything is
// allocated, and an expression of more than `limit` names is an error, not an allocation.
// Errors are values naming the expression and the problem. Folding is the inverse for
// display: names that differ only in their last number share one bracket group, padding kept
// (`mx[01-03].lab`); expand_node_set(fold_node_set(names)) holds the same names.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace fanout::ctl {

// About the largest inventory fanoutd reads (max_inventory_bytes), so a real fleet always fits.
inline constexpr std::size_t max_node_set_names = 200000;

struct node_set_error {
    std::string message;  // e.g. "r[1-100000000]: 100000000 names, more than 200000"
};

// Splits on the commas outside brackets and trims blanks; empty items are dropped.
std::variant<std::vector<std::string>, node_set_error> split_node_set(std::string_view expression);

// Every name one expression (with or without commas) stands for.
std::variant<std::vector<std::string>, node_set_error> expand_node_set(
    std::string_view expression, std::size_t limit = max_node_set_names);

// The shortest node set holding exactly `names` (duplicates ignored), e.g. "r[1-6,8-32]".
std::string fold_node_set(const std::vector<std::string>& names);

// Orders names as people count: "r2" before "r10", then by text.
bool natural_less(std::string_view a, std::string_view b);

}  // namespace fanout::ctl
