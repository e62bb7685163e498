// Internal to fanout_structured: the fast path of json_to_msgpack, with simdjson's DOM parser.
//
// Contract: converts a document simdjson accepts within max_depth into the same msgpack bytes,
// to the byte, as the nlohmann-json reference path (json_to_msgpack_reference), or returns
// nothing: on any simdjson error (syntax, UTF-8, depth, an integer beyond 64 bits, a number
// beyond float64, memory) and on anything it cannot map exactly. It never reports an error of
// its own: the caller then runs the reference path, which converts or gives the precise error.
// simdjson accepts a subset of what nlohmann-json accepts (strict RFC 8259 both; nlohmann-json
// also reads a leading UTF-8 BOM, a NUL as the end of input, and integers beyond 64 bits), so
// what the fast path converts the reference converts too; tests/unit/test_json_data_fast.cpp and
// the fuzz target (tests/fuzz/fuzz_json_data.cpp) check both properties.
// A parser and a padded copy of the input are borrowed from a pool of at most pooled_parsers
// for reuse (a new one when all are taken; one used for a document over retained_bytes is
// freed, not pooled): at most pooled_parsers × (about 15 × retained_bytes) stays allocated
// between documents. Thread-safe. Never throws except std::bad_alloc.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fanout::daemon::structured {

// Documents up to this size leave their parser's buffers (about 14 bytes per input byte, and
// the padded copy) in the pool for the next document; a larger one frees them when done.
inline constexpr std::size_t retained_bytes = 1024 * 1024;
inline constexpr std::size_t pooled_parsers = 8;

std::optional<std::string> json_to_msgpack_fast(std::string_view json, unsigned max_depth);

}  // namespace fanout::daemon::structured
