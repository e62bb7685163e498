// One listening socket of the fleet (a router's or a bastion's) and the loopback addresses
// fleetsim uses.
//
// Contract: open_listener() binds address:port (port 0: the kernel picks) non-blocking and,
// when `listens`, listens with SOMAXCONN; a socket that does not listen stays bound, so
// connections are refused and no other socket can take the port while fleetsim runs. It
// throws std::runtime_error naming `name` on failure. The caller owns the returned fd.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <string>

#include "tools/fleetsim/bastion_options.hpp"
#include "tools/fleetsim/options.hpp"

namespace fanout::fleetsim {

// A router's listener, or a bastion's (`bastion` set, `router` null).
struct listener {
    int fd = -1;
    std::uint16_t port = 0;
    const router_spec* router = nullptr;
    std::uint32_t address = INADDR_LOOPBACK;  // host order
    const bastion_spec* bastion = nullptr;
};

// 127.1.x.y for router `index` (1..60000): one loopback address per netconf-only router, so
// they can all listen on the same --netconf-port.
std::uint32_t netconf_address(int index);

// "a.b.c.d" of a host-order IPv4 address.
std::string dotted(std::uint32_t address);

listener open_listener(const std::string& name, bool listens, std::uint32_t address_host,
                       std::uint16_t port);

}  // namespace fanout::fleetsim
