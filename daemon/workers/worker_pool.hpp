// A fixed pool of blocking worker threads. Each worker takes one router task at a time from
// the scheduler, runs the job's commands on that router over one SSH session leased from the
// session pool (reused across tasks and jobs), and records one result per command. Workers
// never touch ZeroMQ sockets.
//
// Contract: stop() (also run by the destructor) shuts the scheduler's dispatch down and joins
// every worker; a worker finishes the router it is on first (cancel the jobs before, to make
// that quick). No exception escapes a worker: an unexpected one becomes an `internal` result.
#pragma once

#include <atomic>
#include <cstddef>
#include <vector>

#include "daemon/scheduling/scheduler.hpp"
#include "daemon/ssh/session_pool.hpp"
#include "daemon/workers/worker_thread.hpp"

namespace fanout::daemon {

class worker_pool {
  public:
    worker_pool(std::size_t workers, scheduler& tasks, session_pool& sessions);
    worker_pool(const worker_pool&) = delete;
    worker_pool& operator=(const worker_pool&) = delete;
    ~worker_pool();

    void stop();
    std::size_t size() const { return size_; }
    std::size_t busy() const { return busy_.load(); }

  private:
    void run();

    scheduler& tasks_;
    session_pool& sessions_;
    const std::size_t size_;
    std::atomic<std::size_t> busy_{0};
    std::vector<worker_thread> threads_;  // last: joined before the members they use go away
};

}  // namespace fanout::daemon
