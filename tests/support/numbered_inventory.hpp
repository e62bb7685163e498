// An in-memory inventory of routers r1..rN for unit tests of the scheduler and the journal.
//
// Contract: every router has its own ip:port (127.0.0.1:1000+i), so the per-router session
// cap never couples two of them, and password auth ("u"/"p"); nothing here opens a socket.
#pragma once

#include <memory>
#include <string>

#include "daemon/admission/inventory.hpp"

namespace fanout::test {

inline std::shared_ptr<const daemon::inventory> numbered_inventory(int routers) {
    std::string json = "{";
    for (int i = 1; i <= routers; ++i) {
        if (i > 1) json += ",";
        json += "\"r" + std::to_string(i) +
                "\": {\"ip\": \"127.0.0.1\", \"port\": " + std::to_string(1000 + i) +
                ", \"username\": \"u\", \"password\": \"p\"}";
    }
    return std::make_shared<const daemon::inventory>(daemon::inventory::parse(json + "}"));
}

}  // namespace fanout::test
