#include "tools/fleetsim/netconf_framing.hpp"

namespace fanout::fleetsim {
namespace {

// RFC 6242: chunk-size = 1..4294967295, no leading zero.
constexpr std::uint64_t max_chunk = 4294967295ull;
constexpr std::size_t max_chunk_digits = 10;

}  // namespace

std::string chunk_header(std::uint64_t length) {
    return "\n#" + std::to_string(length) + "\n";
}

std::string frame_message(std::string_view message, bool chunked) {
    if (!chunked) return std::string(message) + std::string(end_of_message);
    std::string out;
    if (!message.empty()) out = chunk_header(message.size()) + std::string(message);
    return out + std::string(end_of_chunks);
}

netconf_reader::status netconf_reader::fail(std::string why) {
    error_ = std::move(why);
    return status::error;
}

netconf_reader::status netconf_reader::next(std::string& out) {
    if (!error_.empty()) return status::error;
    const status result = chunked_ ? next_chunked(out) : next_end_of_message(out);
    if (consumed_ > 0 && (consumed_ >= 65536 || consumed_ == buffer_.size())) {
        buffer_.erase(0, consumed_);
        consumed_ = 0;
    }
    return result;
}

netconf_reader::status netconf_reader::next_end_of_message(std::string& out) {
    const std::size_t end = buffer_.find(end_of_message, consumed_);
    if (end == std::string::npos) {
        if (buffer_.size() - consumed_ > max_message_ + end_of_message.size()) {
            return fail("message over " + std::to_string(max_message_) + " bytes");
        }
        return status::need_more;
    }
    if (end - consumed_ > max_message_) {
        return fail("message over " + std::to_string(max_message_) + " bytes");
    }
    out.assign(buffer_, consumed_, end - consumed_);
    consumed_ = end + end_of_message.size();
    return status::message;
}

netconf_reader::status netconf_reader::next_chunked(std::string& out) {
    for (;;) {
        const std::string_view rest = std::string_view(buffer_).substr(consumed_);
        if (rest.size() < 4) return status::need_more;  // the shortest header is "\n##\n"
        if (rest[0] != '\n' || rest[1] != '#') return fail("bad chunk header: expected \\n#");
        if (rest[2] == '#') {
            if (rest[3] != '\n') return fail("bad end of chunks: expected \\n##\\n");
            if (partial_.empty()) return fail("end of chunks with no chunk");
            out = std::move(partial_);
            partial_.clear();
            consumed_ += 4;
            return status::message;
        }
        std::uint64_t length = 0;
        std::size_t i = 2;
        for (; i < rest.size() && rest[i] >= '0' && rest[i] <= '9'; ++i) {
            if (i - 2 == max_chunk_digits) return fail("bad chunk header: size too long");
            if (i == 2 && rest[i] == '0') return fail("bad chunk header: size 0 or leading 0");
            length = length * 10 + static_cast<std::uint64_t>(rest[i] - '0');
        }
        if (i == rest.size()) return status::need_more;
        if (i == 2 || rest[i] != '\n' || length > max_chunk) {
            return fail("bad chunk header: expected \\n#<1..4294967295>\\n");
        }
        if (partial_.size() + length > max_message_) {
            return fail("message over " + std::to_string(max_message_) + " bytes");
        }
        const std::size_t header = i + 1;
        if (rest.size() - header < length) return status::need_more;
        partial_.append(rest.substr(header, length));
        consumed_ += header + length;
    }
}

}  // namespace fanout::fleetsim
