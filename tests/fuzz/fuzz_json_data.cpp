// libFuzzer target: JSON → msgpack, fed arbitrary bytes.
//
// Properties checked on every input: no crash, hang or over-allocation; whatever is converted
// is one complete msgpack value that msgpack-cxx reads back to the last byte and is at most
// 3 × the input plus a few bytes; a document nlohmann-json rejects is never converted. The
// simdjson fast path against the nlohmann-json reference: the fast path converts only what the
// reference converts, to the same bytes; json_to_msgpack gives exactly the reference's result
// (bytes, or error message and offset) on every input.
#include <msgpack.hpp>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/structured/json_data.hpp"
#include "daemon/structured/json_fast.hpp"

using namespace fanout::daemon;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view json(reinterpret_cast<const char*>(data), size);
    json_limits limits;
    limits.max_input_bytes = 1 << 16;
    limits.max_depth = 16;
    auto converted = json_to_msgpack(json, limits);
    if (size <= limits.max_input_bytes) {
        auto reference = json_to_msgpack_reference(json, limits);
        if (converted != reference) __builtin_trap();
        auto fast = structured::json_to_msgpack_fast(json, limits.max_depth);
        if (fast) {
            auto* bytes = std::get_if<std::string>(&reference);
            if (!bytes || *bytes != *fast) __builtin_trap();  // accepted alone, or other bytes
        }
    }
    auto* bytes = std::get_if<std::string>(&converted);
    if (!bytes) return 0;
    if (!nlohmann::json::accept(json)) __builtin_trap();
    if (bytes->size() > 3 * size + 9) __builtin_trap();
    std::size_t offset = 0;
    try {
        auto handle = msgpack::unpack(bytes->data(), bytes->size(), offset);
    } catch (const msgpack::unpack_error&) {
        __builtin_trap();
    }
    if (offset != bytes->size()) __builtin_trap();
    return 0;
}
