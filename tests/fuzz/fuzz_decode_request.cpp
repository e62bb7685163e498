// libFuzzer target: the request decoder and validator, fed arbitrary bytes.
//
// Properties checked on every input: decode_request never crashes, hangs or over-allocates
// (ASan/UBSan and libFuzzer's -rss_limit_mb catch those), and any request it accepts
// survives an encode/decode round trip unchanged in kind.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/codec.hpp"

using namespace fanout::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view frame(reinterpret_cast<const char*>(data), size);
    auto decoded = decode_request(frame);
    if (auto* accepted = std::get_if<request>(&decoded)) {
        auto again = decode_request(encode_request(*accepted));
        auto* round_trip = std::get_if<request>(&again);
        if (!round_trip || round_trip->index() != accepted->index()) __builtin_trap();
    }
    return 0;
}
