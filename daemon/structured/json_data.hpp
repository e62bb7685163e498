// A JSON document (Junos's `| display json`, or the text of a NETCONF <command format="json">
// reply) converted into msgpack bytes, for the `data` field of a router result.
//
// Why here: both transports need it (daemon/ssh for exec with `| display json`, daemon/netconf
// for <command format="json">), and they sit side by side at tier 2 and may not include each
// other, so it lives in a tier-1 folder of its own, daemon/structured/ (library
// fanout_structured, nlohmann-json and msgpack-cxx kept private). Not in protocol/: the wire
// codec would then carry a JSON parser it never needs, and so would every tool.
//
// Contract:
// - Two paths, one result. The reference: nlohmann-json's SAX parser (strict: one value, then
//   only whitespace), packed as it is read, with msgpack-cxx, in one pass; no JSON tree is
//   built. The fast path, tried first: simdjson's DOM parser (about 8 times faster; up to 8
//   parsers, each with a padded copy of the input, are pooled for reuse, see json_fast.hpp), its
//   tree walked into the same packer. The fast path returns only the msgpack bytes the reference
//   gives for the same document, to the byte; on any simdjson error it steps aside and the
//   reference runs, so every error below (message, offset) and every document simdjson refuses but
//   nlohmann-json reads (a leading BOM, a NUL taken as the end, integers beyond 64 bits) comes
//   out exactly as from the reference alone. simdjson never accepts what nlohmann-json
//   rejects (both are strict RFC 8259 with UTF-8 checked); the unit test and the fuzz target
//   check equal bytes and the accept/reject decision against json_to_msgpack_reference.
//   A max_depth above fast_path_max_depth skips the fast path (its walk recurses).
// - JSON types map one to one: object → map (keys in document order, duplicates kept as they
//   come: readers usually keep the last), array → array, string → str (UTF-8; invalid UTF-8 and
//   lone surrogates are parse errors), true/false → bool, null → nil, integers in
//   [-2^63, 2^64-1] → the shortest msgpack int, other numbers → float64. An integer beyond
//   that range becomes the nearest float64 (as JSON parsers in JavaScript and Go read it): its
//   type stays a number and it loses precision beyond 2^53. A number beyond the float64 range
//   (1e400) is an error. Any JSON value is accepted at the top, not only maps and arrays.
// - Limits, explicit: max_input_bytes (checked before parsing; at most 4294967295 so every
//   msgpack length fits) and max_depth (nested arrays and objects). The output is at most about
//   3 × the input (a float64 takes 9 bytes for a 2-byte "1,"-like token at the worst).
// - Errors are values, never exceptions: a message and, for a syntax error, the byte offset
//   where parsing stopped. Callers must not pass a truncated document (an output cap that was
//   hit): a prefix may parse as a smaller whole value ("123" → "12").
// - Limits outside their ranges (0, or above 4294967295 bytes) are configuration errors and
//   throw std::invalid_argument. Pure, thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace fanout::daemon {

struct json_limits {
    std::size_t max_input_bytes = 8 * 1024 * 1024;  // the exec transport's default output cap
    unsigned max_depth = 64;
};

struct json_data_error {
    std::string message;
    std::optional<std::size_t> offset;  // byte offset of a syntax error
    bool operator==(const json_data_error&) const = default;
};

inline constexpr unsigned fast_path_max_depth = 1024;

std::variant<std::string, json_data_error> json_to_msgpack(std::string_view json,
                                                           const json_limits& limits = {});

// The nlohmann-json path alone, as json_to_msgpack was before the fast path: for the
// differential test, the fuzz target and the benchmark. Same contract, same result.
std::variant<std::string, json_data_error> json_to_msgpack_reference(
    std::string_view json, const json_limits& limits = {});

}  // namespace fanout::daemon
