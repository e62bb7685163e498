// Internal to fanout_protocol: the `jobs` request and reply (issue 13), kept apart from the
// other messages' encoders and decoders so they read as one unit.
//
// Contract: the same rules as codec.hpp. read_jobs_request validates strictly (unknown keys,
// `limit` outside 1..max_jobs_listed, an unknown `state`, an invalid `job_id` are bad_request);
// read_jobs_reply
// ignores unknown keys. Failures throw detail::decode_failure, which the codec entry points
// turn into an error_reply.
#pragma once

#include "protocol/messages.hpp"
#include "protocol/msgpack_reader.hpp"
#include "protocol/msgpack_writer.hpp"

namespace fanout::protocol::detail {

void pack_jobs_request(packer& p, const jobs_request& r);
void pack_jobs_reply(packer& p, const jobs_reply& r);
jobs_request read_jobs_request(const map_reader& m);
jobs_reply read_jobs_reply(const map_reader& m);

}  // namespace fanout::protocol::detail
