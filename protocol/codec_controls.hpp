// The execution controls of `submit` (max_parallel, stop_after_failures, max_fail_percent,
// canary) on the wire: strict decoding and encoding. Internal to the codec.
//
// Contract: read_execution_controls() reads each key only when present and not nil, and fails
// with bad_request naming the field and its bound for a value out of range (PROTOCOL.md,
// submit); pack_execution_controls() writes exactly count_execution_controls() entries, one
// per control that is set, so a submit without controls encodes as before.
#pragma once

#include <cstdint>

#include "protocol/limits.hpp"
#include "protocol/messages.hpp"
#include "protocol/msgpack_reader.hpp"
#include "protocol/msgpack_writer.hpp"

namespace fanout::protocol::detail {

void read_execution_controls(const map_reader& m, execution_controls& out,
                             const request_limits& limits);
std::uint32_t count_execution_controls(const execution_controls& c);
void pack_execution_controls(packer& p, const execution_controls& c);

}  // namespace fanout::protocol::detail
