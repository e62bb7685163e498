// RFC 6242 framing: the two ways NETCONF messages are delimited on the SSH channel, and the
// encoder for both (the decoder is frame_decoder.hpp).
//
//   end_of_message (base:1.0): each message is followed by "]]>]]>"; the hellos always use it.
//   chunked (base:1.1): "\n#<len>\n<len bytes>" repeated, then "\n##\n"; len is 1..4294967295,
//   written without a leading zero.
//
// Contract: pure functions, thread-safe, no exceptions. encode_frame returns an error value
// for a message that cannot be framed: one containing "]]>]]>" (end_of_message: it would end
// early), or an empty one (chunked: a message has at least one chunk of at least one byte).
// `max_chunk_bytes` (chunked only) splits long messages, at least 1, at most 4294967295.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "daemon/netconf/codec_error.hpp"

namespace fanout::daemon {

enum class framing { end_of_message, chunked };

inline constexpr std::string_view end_of_message_marker = "]]>]]>";
inline constexpr std::uint64_t max_chunk_size = 4'294'967'295;  // RFC 6242, section 4.2
inline constexpr std::uint64_t default_chunk_bytes = 65'536;

const char* framing_name(framing mode);  // "base:1.0 end-of-message" or "base:1.1 chunked"

std::variant<std::string, netconf_codec_error> encode_frame(
    framing mode, std::string_view message, std::uint64_t max_chunk_bytes = default_chunk_bytes);

}  // namespace fanout::daemon
