// JSON rendering of protocol values for `--json` output (one object per line).
//
// Contract: pure. Objects use the protocol's wire field names and values, in wire order:
// absent optionals are omitted exactly as on the wire, except exit_status which is null
// (as the wire's nil). Strings that are not valid UTF-8 (router output can be anything) get
// U+FFFD replacements instead of failing.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "protocol/messages.hpp"

namespace fanout::ctl {

using ordered_json = nlohmann::ordered_json;

ordered_json to_json(const protocol::router_result& r);
ordered_json to_json(const protocol::job_summary& s);
ordered_json to_json(const protocol::job_result& j);
ordered_json to_json(const protocol::status_reply& s);
ordered_json to_json(const protocol::accepted_reply& a);
ordered_json to_json(const protocol::pong_reply& p);
ordered_json to_json(const protocol::routers_reply& r);
ordered_json to_json(const protocol::error_reply& e);

// One line of compact JSON, ending with '\n'.
std::string json_line(const ordered_json& value);

}  // namespace fanout::ctl
