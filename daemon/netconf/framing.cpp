#include "daemon/netconf/framing.hpp"

#include <algorithm>

namespace fanout::daemon {

const char* framing_name(framing mode) {
    return mode == framing::chunked ? "base:1.1 chunked" : "base:1.0 end-of-message";
}

namespace {

std::string encode_chunked(std::string_view message, std::uint64_t max_chunk_bytes) {
    std::string out;
    out.reserve(message.size() + 16 * (message.size() / max_chunk_bytes + 1) + 4);
    while (!message.empty()) {
        const auto size =
            static_cast<std::size_t>(std::min<std::uint64_t>(max_chunk_bytes, message.size()));
        out += "\n#";
        out += std::to_string(size);
        out += '\n';
        out.append(message.substr(0, size));
        message.remove_prefix(size);
    }
    out += "\n##\n";
    return out;
}

}  // namespace

std::variant<std::string, netconf_codec_error> encode_frame(framing mode, std::string_view message,
                                                            std::uint64_t max_chunk_bytes) {
    if (mode == framing::chunked) {
        if (message.empty()) return netconf_codec_error{"cannot frame an empty message (base:1.1)"};
        if (max_chunk_bytes < 1 || max_chunk_bytes > max_chunk_size) {
            return netconf_codec_error{"chunk size must be 1..4294967295 bytes"};
        }
        return encode_chunked(message, max_chunk_bytes);
    }
    if (message.find(end_of_message_marker) != std::string_view::npos) {
        return netconf_codec_error{"the message contains the base:1.0 end marker ]]>]]>"};
    }
    std::string out;
    out.reserve(message.size() + end_of_message_marker.size());
    out.append(message);
    out.append(end_of_message_marker);
    return out;
}

}  // namespace fanout::daemon
