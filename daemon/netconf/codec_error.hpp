// The error value every NETCONF codec function returns instead of throwing.
//
// Contract: `message` is one line of plain text meant for a router result or a log line (it
// never holds raw router bytes beyond a short, escaped excerpt). Nothing in daemon/netconf
// throws on bad input; exceptions are left for programming errors only.
#pragma once

#include <string>

namespace fanout::daemon {

struct netconf_codec_error {
    std::string message;
    // The input was well formed so far but longer than the size limit: a caller may treat it
    // as output to cut (truncated) rather than as a broken stream.
    bool over_size_limit = false;
};

}  // namespace fanout::daemon
