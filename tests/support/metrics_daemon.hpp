// A fanoutd serving --metrics-listen on a free loopback port, for the tests of /metrics.
//
// Contract: `port` is the one fanoutd bound. A port probed free can be taken by another test's
// process before fanoutd binds it: fanoutd then exits at start, and another port is tried
// (on_free_loopback_port, three at most).
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "tests/support/fanout_harness.hpp"
#include "tests/support/loopback_port.hpp"

namespace fanout::testing {

struct metrics_daemon {
    metrics_daemon(const temp_dir& dir, const fleet& routers, args more = {})
        : process(on_free_loopback_port([&](int free_port) {
              port = free_port;
              args flags{"--metrics-listen", "127.0.0.1:" + std::to_string(port)};
              flags.insert(flags.end(), more.begin(), more.end());
              return std::make_unique<fanoutd_process>(dir, routers.devices_json(),
                                                       routers.known_hosts(), flags);
          })) {}
    int port = 0;  // declared before `process`, whose initialiser sets it
    std::unique_ptr<fanoutd_process> process;
};

}  // namespace fanout::testing
