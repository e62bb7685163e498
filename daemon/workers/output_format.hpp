// The job's output format (submit's `format`) applied to one command on SSH exec: the command
// sent to the router, and what its successful result becomes.
//
// Contract:
// - exec_command: the command as the router gets it over exec: text unchanged; json and xml
//   with Junos's ` | display json` or ` | display xml` appended. The command policy checked the
//   command as the client wrote it, before this.
// - apply_format: on a successful result only (failed and cancelled ones are left alone):
//   json → `data` holds the parsed document (msgpack bytes), `output` keeps the text;
//   xml → the text is checked to be one well-formed document, `data` stays empty. A document
//   that does not parse, or one cut by --max-output-bytes (truncated: a prefix may parse as a
//   smaller whole), makes the result failed with error kind `parse`, a message naming the
//   byte offset, and the output kept. Errors are values; pure, thread-safe.
#pragma once

#include <string>

#include "protocol/messages.hpp"

namespace fanout::daemon {

std::string exec_command(const std::string& command, protocol::output_format format);

void apply_format(protocol::router_result& r, protocol::output_format format);

}  // namespace fanout::daemon
