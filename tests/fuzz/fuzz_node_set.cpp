// libFuzzer target: fanoutctl's clush-style node sets (`-r 'r[1-5,9],mx[01-12].lab'`), fed
// arbitrary expressions.
//
// Properties checked on every input: no crash, hang or over-allocation (the size is computed
// before anything is allocated); an expansion never exceeds its limit; and folding is the
// inverse of expansion: expand(fold(names)) holds exactly the distinct names.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tools/fanoutctl/node_set.hpp"

using namespace fanout::ctl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view expression(reinterpret_cast<const char*>(data), size);
    constexpr std::size_t limit = 4096;
    auto expanded = expand_node_set(expression, limit);
    auto* names = std::get_if<std::vector<std::string>>(&expanded);
    if (!names) return 0;
    if (names->size() > limit) __builtin_trap();
    const std::set<std::string> distinct(names->begin(), names->end());
    const auto folded = fold_node_set(*names);
    auto again = expand_node_set(folded, limit);
    auto* round_trip = std::get_if<std::vector<std::string>>(&again);
    if (!round_trip) __builtin_trap();
    if (std::set<std::string>(round_trip->begin(), round_trip->end()) != distinct ||
        round_trip->size() != distinct.size())
        __builtin_trap();
    return 0;
}
