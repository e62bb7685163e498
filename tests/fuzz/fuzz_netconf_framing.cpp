// libFuzzer target: the RFC 6242 frame decoder, fed arbitrary bytes.
//
// The first input byte picks the framing and the read size (1..64 bytes); the rest is the
// stream. Properties checked on every input: the decoder never crashes, never holds more than
// its limit + 6 bytes, gives the same messages and the same error whether fed in small reads
// or in one, and every message it yields decodes again from its own encoding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/netconf/frame_decoder.hpp"

using namespace fanout::daemon;

namespace {

constexpr std::size_t max_message = 512;

struct outcome {
    std::vector<std::string> messages;
    std::string error;
};

outcome decode(framing mode, std::string_view stream, std::size_t read_size) {
    frame_decoder decoder(mode, max_message);
    outcome out;
    while (!stream.empty() && out.error.empty()) {
        std::string_view piece = stream.substr(0, read_size);
        stream.remove_prefix(piece.size());
        while (!piece.empty()) {
            auto step = decoder.feed(piece);
            if (decoder.buffered_bytes() > max_message + 6) __builtin_trap();
            if (step.consumed > piece.size()) __builtin_trap();
            piece.remove_prefix(step.consumed);
            if (step.message) out.messages.push_back(std::move(*step.message));
            if (step.error) {
                out.error = step.error->message;
                break;
            }
            if (step.consumed == 0) __builtin_trap();  // no progress without an error
        }
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const framing mode = (data[0] & 1) ? framing::chunked : framing::end_of_message;
    const std::size_t read_size = 1 + ((data[0] >> 1) % 64);
    const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
    const auto pieces = decode(mode, stream, read_size);
    const auto whole = decode(mode, stream, stream.size() + 1);
    if (pieces.messages != whole.messages || pieces.error != whole.error) __builtin_trap();
    for (const auto& message : whole.messages) {
        if (message.size() > max_message) __builtin_trap();
        auto encoded = encode_frame(mode, message, 1 + (data[0] % 7));
        auto* bytes = std::get_if<std::string>(&encoded);
        if (!bytes) continue;  // an empty chunked message cannot be encoded
        const auto again = decode(mode, *bytes, message.size() % 5 + 1);
        if (again.messages.size() != 1 || again.messages[0] != message) __builtin_trap();
    }
    return 0;
}
