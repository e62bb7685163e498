// `--prefix` (pdsh style): every line a router printed, as `<router>: <line>`, so that grep
// keeps the router's name.
//
// Contract: pure. `out` holds the router's stdout lines (terminal-safe, blank lines at the
// start and end dropped); `err` holds its stderr lines and, for a result that did not succeed,
// one `<router>: FAILED <kind>: <message>` (or `cancelled`) line, for fanoutctl's stderr as
// pdsh does. Multi-command jobs prefix `<router> [<command>]: `.
#pragma once

#include <string>

#include "protocol/messages.hpp"

namespace fanout::ctl {

struct prefixed_text {
    std::string out;
    std::string err;
};

prefixed_text format_prefixed(const protocol::router_result& r, bool show_command);

}  // namespace fanout::ctl
