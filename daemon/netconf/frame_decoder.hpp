// Incremental RFC 6242 decoder: feed it the bytes read from the channel, in pieces of any size
// (a chunk header, the end marker or "\n##\n" may be split anywhere), and it yields whole
// messages, one per call.
//
// Contract:
// - feed() consumes input only up to the end of one message, so the caller can switch the
//   framing (set_framing) between the hello and the next message, and loops while bytes remain.
// - Limits are explicit, in bytes: a message payload is at most max_message_bytes; the decoder
//   never holds more than max_message_bytes + 6 bytes (buffered_bytes()), whatever it is fed.
// - Errors are values: a message over the limit, a bad chunk header (not a digit, zero, a
//   leading zero, more than 10 digits, above 4294967295, no LF, "\n##\n" before any chunk), or
//   bytes between chunks that are not "\n#". The message names the problem and the stream
//   offset. An error is final: the stream is out of step and every later feed() repeats it.
// - A max_message_bytes of 0, or set_framing() in the middle of a message, are programming
//   errors and throw std::logic_error. Not thread-safe: one decoder per channel.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/netconf/codec_error.hpp"
#include "daemon/netconf/framing.hpp"

namespace fanout::daemon {

struct decode_step {
    std::size_t consumed = 0;            // bytes of the input used; the caller drops them
    std::optional<std::string> message;  // a complete message, without its framing
    std::optional<netconf_codec_error> error;
};

class frame_decoder {
  public:
    frame_decoder(framing mode, std::size_t max_message_bytes);

    decode_step feed(std::string_view input);

    void set_framing(framing mode);
    framing mode() const { return mode_; }
    bool mid_message() const;
    std::size_t buffered_bytes() const { return buffer_.size(); }
    std::uint64_t stream_offset() const { return offset_; }  // bytes consumed so far

  private:
    enum class state { chunk_lf, chunk_hash, size_first, size_digits, body, end_lf };

    decode_step feed_end_of_message(std::string_view input);
    decode_step feed_chunked(std::string_view input);
    decode_step fail(std::size_t consumed, std::string what, bool over_size_limit = false);

    framing mode_;
    std::size_t max_message_;
    std::string buffer_;  // the message so far (end_of_message: plus a partial marker)
    state state_ = state::chunk_lf;
    std::uint64_t chunk_size_ = 0;  // the header being read, then the body bytes still due
    unsigned digits_ = 0;
    bool any_chunk_ = false;
    std::uint64_t offset_ = 0;
    std::optional<netconf_codec_error> error_;
};

}  // namespace fanout::daemon
