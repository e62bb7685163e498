#include "daemon/netconf/frame_decoder.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace fanout::daemon {

namespace {

std::string describe(char c) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == '\n') return "LF";
    char text[16];
    if (byte > 0x20 && byte < 0x7f) {
        std::snprintf(text, sizeof text, "'%c'", c);
    } else {
        std::snprintf(text, sizeof text, "byte 0x%02x", byte);
    }
    return text;
}

}  // namespace

frame_decoder::frame_decoder(framing mode, std::size_t max_message_bytes)
    : mode_(mode), max_message_(max_message_bytes) {
    if (max_message_bytes == 0) throw std::logic_error("frame_decoder: max_message_bytes is 0");
}

bool frame_decoder::mid_message() const {
    return !buffer_.empty() || (mode_ == framing::chunked && state_ != state::chunk_lf);
}

void frame_decoder::set_framing(framing mode) {
    if (mid_message()) throw std::logic_error("frame_decoder: framing changed mid-message");
    mode_ = mode;
}

decode_step frame_decoder::feed(std::string_view input) {
    if (error_) return {0, std::nullopt, error_};
    auto step = mode_ == framing::chunked ? feed_chunked(input) : feed_end_of_message(input);
    offset_ += step.consumed;
    return step;
}

decode_step frame_decoder::fail(std::size_t consumed, std::string what, bool over_size_limit) {
    error_ = netconf_codec_error{std::move(what) + " (" + framing_name(mode_) + ", stream byte " +
                                     std::to_string(offset_ + consumed) + ")",
                                 over_size_limit};
    buffer_.clear();
    buffer_.shrink_to_fit();
    return {consumed, std::nullopt, error_};
}

decode_step frame_decoder::feed_end_of_message(std::string_view input) {
    const std::size_t marker = end_of_message_marker.size();
    const std::size_t old = buffer_.size();
    const std::size_t take = std::min(input.size(), max_message_ + marker - old);
    buffer_.append(input.substr(0, take));
    // The marker may have started in an earlier piece: look back at most marker - 1 bytes.
    const std::size_t found =
        buffer_.find(end_of_message_marker, old >= marker ? old - marker + 1 : 0);
    if (found != std::string::npos) {
        buffer_.resize(found);
        decode_step step{found + marker - old, std::move(buffer_), std::nullopt};
        buffer_.clear();
        return step;
    }
    if (buffer_.size() >= max_message_ + marker) {
        return fail(take,
                    "message longer than " + std::to_string(max_message_) +
                        " bytes without the end marker ]]>]]>",
                    true);
    }
    return {take, std::nullopt, std::nullopt};
}

decode_step frame_decoder::feed_chunked(std::string_view input) {
    std::size_t i = 0;
    while (i < input.size()) {
        const char c = input[i];
        switch (state_) {
            case state::chunk_lf:
                if (c != '\n')
                    return fail(i, "expected LF starting a chunk header, got " + describe(c));
                state_ = state::chunk_hash;
                break;
            case state::chunk_hash:
                if (c != '#') return fail(i, "expected '#' in a chunk header, got " + describe(c));
                state_ = state::size_first;
                break;
            case state::size_first:
                if (c == '#') {
                    if (!any_chunk_) return fail(i, "end of chunks before any chunk");
                    state_ = state::end_lf;
                } else if (c == '0') {
                    return fail(i, "chunk size is zero or has a leading zero");
                } else if (c > '0' && c <= '9') {
                    chunk_size_ = static_cast<std::uint64_t>(c - '0');
                    digits_ = 1;
                    state_ = state::size_digits;
                } else {
                    return fail(i, "expected a chunk size digit or '#', got " + describe(c));
                }
                break;
            case state::size_digits:
                if (c >= '0' && c <= '9') {
                    if (digits_ == 10) return fail(i, "chunk size longer than 10 digits");
                    chunk_size_ = chunk_size_ * 10 + static_cast<std::uint64_t>(c - '0');
                    ++digits_;
                    if (chunk_size_ > max_chunk_size) {
                        return fail(i, "chunk size above 4294967295");
                    }
                } else if (c == '\n') {
                    if (chunk_size_ > max_message_ - buffer_.size()) {
                        return fail(i,
                                    "message longer than " + std::to_string(max_message_) +
                                        " bytes (a chunk of " + std::to_string(chunk_size_) +
                                        " after " + std::to_string(buffer_.size()) + ")",
                                    true);
                    }
                    any_chunk_ = true;
                    state_ = state::body;
                } else {
                    return fail(i, "expected a chunk size digit or LF, got " + describe(c));
                }
                break;
            case state::body: {
                const auto n = static_cast<std::size_t>(
                    std::min<std::uint64_t>(chunk_size_, input.size() - i));
                buffer_.append(input.substr(i, n));
                chunk_size_ -= n;
                i += n;
                if (chunk_size_ == 0) state_ = state::chunk_lf;
                continue;
            }
            case state::end_lf: {
                if (c != '\n') return fail(i, "expected LF ending \"\\n##\", got " + describe(c));
                state_ = state::chunk_lf;
                any_chunk_ = false;
                decode_step step{i + 1, std::move(buffer_), std::nullopt};
                buffer_.clear();
                return step;
            }
        }
        ++i;
    }
    return {i, std::nullopt, std::nullopt};
}

}  // namespace fanout::daemon
