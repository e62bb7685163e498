// What fanoutd shows on --metrics-listen: the event metrics (daemon/metrics), the figures read
// at scrape time from the parts that own them, and the health and readiness answers.
//
// Contract:
// - The constructor registers the scrape-time gauges (queued and running jobs, pending router
//   tasks, busy and idle workers, pooled sessions idle and in use, pool counters, the process's
//   RSS, descriptors and CPU) and starts the HTTP server (api/metrics_server.hpp): it throws
//   std::runtime_error when it cannot bind. The parts it reads must outlive it.
// - /healthz: healthy while the intake and publisher loops beat within `stale_after` and the
//   scheduler answers (a scheduler stuck on its lock leaves the request unanswered, so the
//   probe's timeout fails it).
// - /readyz: ready from construction (the inventory is loaded, the journal replayed, both
//   ZeroMQ sockets bound: the daemon constructed this last) until draining() (SIGTERM), then
//   503 "draining" through the shutdown grace period until the server stops.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include "daemon/api/metrics_server.hpp"
#include "daemon/metrics/registry.hpp"
#include "daemon/scheduling/scheduler.hpp"
#include "daemon/ssh/session_pool.hpp"
#include "daemon/workers/worker_pool.hpp"

namespace fanout::daemon {

class observability {
  public:
    observability(const listen_address& where, scheduler& tasks, const worker_pool& workers,
                  session_pool& sessions,
                  std::chrono::steady_clock::duration stale_after = std::chrono::seconds(10));

    void draining() { draining_ = true; }
    int port() const { return server_ ? server_->port() : 0; }

  private:
    metrics::registry live_;
    std::atomic<bool> draining_{false};
    std::unique_ptr<metrics_server> server_;  // last: stops before the rest goes away
};

}  // namespace fanout::daemon
