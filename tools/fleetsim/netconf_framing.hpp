// fleetsim's server-side NETCONF framing (RFC 6242): base:1.0 end-of-message framing
// (`]]>]]>`) and base:1.1 chunked framing (`\n#<len>\n<bytes>`... `\n##\n`).
//
// Contract: frame_message() wraps one whole message. netconf_reader takes bytes as they
// arrive, in any split, and hands out whole messages in order; it starts in end-of-message
// framing (hellos always use it) and switches to chunks when use_chunks() is called, with any
// bytes already buffered read in the new framing. A malformed chunk header or a message over
// the size limit is an error that sticks: the session must end. No I/O, not thread-safe.
// (This is fleetsim's own small framing: tools may not include daemon/netconf.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fanout::fleetsim {

inline constexpr std::string_view end_of_message = "]]>]]>";

std::string frame_message(std::string_view message, bool chunked);

// "\n#<len>\n": the header of one chunk of `length` bytes.
std::string chunk_header(std::uint64_t length);
inline constexpr std::string_view end_of_chunks = "\n##\n";

class netconf_reader {
  public:
    enum class status { need_more, message, error };

    explicit netconf_reader(std::size_t max_message) : max_message_(max_message) {}

    void use_chunks() { chunked_ = true; }
    bool chunked() const { return chunked_; }
    void feed(std::string_view bytes) { buffer_.append(bytes); }

    // On `message`, `out` holds the next whole message; on `error`, error() says why.
    status next(std::string& out);
    const std::string& error() const { return error_; }

  private:
    status next_end_of_message(std::string& out);
    status next_chunked(std::string& out);
    status fail(std::string why);

    std::size_t max_message_;
    bool chunked_ = false;
    std::string buffer_;
    std::size_t consumed_ = 0;  // bytes of buffer_ already handed out
    std::string partial_;       // chunk data of the message being read
    std::string error_;
};

}  // namespace fanout::fleetsim
