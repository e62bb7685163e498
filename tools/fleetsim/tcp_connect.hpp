// fleetsim's bastions reaching a router: a TCP connect that never blocks.
//
// Contract: connect_router() returns a non-blocking, close-on-exec socket (TCP_NODELAY set)
// connecting to ip:port, with `connecting` true while the connect is still in progress; -1
// when `ip` is no dotted IPv4 address or the connect failed at once (e.g. refused).
#pragma once

#include <cstdint>

namespace fanout::fleetsim {

int connect_router(const char* ip, std::uint16_t port, bool& connecting);

}  // namespace fanout::fleetsim
