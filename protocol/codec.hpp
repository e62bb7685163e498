// msgpack encoding and decoding of protocol v1 messages.
//
// Contract: every function here is pure (no I/O, no globals) and thread-safe. Decoding
// never throws on bad bytes: untrusted input is parsed with explicit msgpack unpack limits
// and every failure comes back as an error_reply whose message says what was wrong
// (code bad_request, or too_large for input beyond the limits). Encoders produce exactly
// one msgpack map per message, with a string `type` first; floats are always float64 and
// strings are made valid UTF-8 (invalid bytes become U+FFFD, see protocol/utf8.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "protocol/limits.hpp"
#include "protocol/messages.hpp"

namespace fanout::protocol {

// ---- daemon side ----

// Decodes and validates one request frame (see protocol/limits.hpp for what is checked).
std::variant<request, error_reply> decode_request(std::string_view frame,
                                                  const request_limits& limits = {});

std::string encode_reply(const reply& r);
std::string encode_router_result(const router_result& r);
std::string encode_job_result(const job_result& r);

// PUB topics: `result.<job_id>.<router_name>\n` and `job.<job_id>\n` (PROTOCOL.md, "Results
// socket"). A job id has no dot (is_valid_job_id) and neither it nor a router name holds a line
// feed (the inventory refuses control characters), so two (job, router) pairs never share a
// topic and no topic is a prefix of another: a whole topic is an exact subscription, and
// job_results_prefix(id) matches that job's router results and no other job's.
inline constexpr char topic_end = '\n';
std::string router_result_topic(const router_result& r);
std::string job_result_topic(std::string_view job_id);
std::string job_results_prefix(std::string_view job_id);  // `result.<job_id>.`

// ---- client side (fanoutctl, tests) ----

std::string encode_request(const request& r);

// Replies and published messages come from a trusted daemon, but are still decoded with
// limits; a malformed one yields error_reply{bad_request, ...} describing the problem.
// Unknown keys are ignored (forward compatibility). Note the two kinds of error_reply from
// decode_reply: the daemon's `error` reply is the error_reply alternative *inside* `reply`;
// the outer error_reply means the frame itself could not be decoded.
std::variant<reply, error_reply> decode_reply(std::string_view frame);
std::variant<router_result, job_result, error_reply> decode_published(std::string_view frame);

}  // namespace fanout::protocol
