// The streaming half of `run`: after the job is accepted, show each router_result once as it
// arrives and end with the job_result.
//
// Contract: results come from the PUB subscription and, because a fresh SUB can miss
// messages, from polling `result` on the job socket about once a second (faster once every
// result was seen). The job_result (from either path) is authoritative: results it holds
// that were not printed yet are printed before it is returned. The first Ctrl-C sends
// `cancel` and keeps streaming. Returns the job_result, or an exit code on failure.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "protocol/messages.hpp"
#include "tools/fanoutctl/client.hpp"
#include "tools/fanoutctl/result_printer.hpp"
#include "tools/fanoutctl/subscriber.hpp"
#include "tools/fanoutctl/terminal.hpp"

namespace fanout::ctl {

// The routers a job was submitted for, in request order, and its number of commands: what the
// progress line and the first Ctrl-C name as still pending.
struct job_shape {
    std::vector<std::string> routers;
    std::size_t commands = 1;
    protocol::execution_controls controls{};  // as submitted: the progress line shows them
};

std::variant<protocol::job_result, int> stream_job(job_client& client, result_subscriber& sub,
                                                   const std::string& job_id, std::uint64_t total,
                                                   const job_shape& shape, result_printer& printer,
                                                   progress_line& progress);

}  // namespace fanout::ctl
