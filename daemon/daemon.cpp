#include "daemon/daemon.hpp"

#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include "daemon/intake.hpp"
#include "daemon/publisher.hpp"
#include "daemon/scheduler.hpp"
#include "daemon/worker_pool.hpp"

namespace fanout::daemon {

// Declaration order is construction order; destruction runs backwards, so the threads that
// use a part are joined before that part goes away, and the context goes last.
struct daemon::parts {
    config settings;
    zmq::context_t context;
    intake requests;  // binds first: the publisher connects to its completions endpoint
    publisher results;
    scheduler tasks;
    worker_pool workers;
    bool stopped = false;

    parts(config c, std::shared_ptr<const inventory> devices)
        : settings(std::move(c)),
          context(1),
          requests(
              context, settings, tasks, devices, [this] { return workers.busy(); },
              settings.workers),
          results(context, settings.results_endpoint, requests.completions_endpoint(),
                  settings.results_hwm),
          tasks(scheduler_limits{settings.max_queued_jobs, settings.max_pending_tasks,
                                 settings.keep_jobs, settings.keep_time},
                results),
          workers(settings.workers, tasks, settings.transport) {
        requests.start();
    }
};

daemon::daemon(config settings, std::shared_ptr<const inventory> devices)
    : parts_(std::make_unique<parts>(std::move(settings), std::move(devices))) {}

daemon::~daemon() {
    shutdown();
}

void daemon::shutdown() {
    auto& p = *parts_;
    if (p.stopped) return;
    p.stopped = true;
    p.tasks.stop_accepting();  // under the scheduler's lock: no submit slips past
    auto grace = p.settings.shutdown_grace;
    spdlog::info("shutting down: no new jobs; waiting up to {:.1f}s for running jobs",
                 std::chrono::duration<double>(grace).count());
    if (!p.tasks.wait_idle(std::chrono::steady_clock::now() + grace)) {
        spdlog::warn("grace period over: cancelling the jobs still running");
        p.tasks.cancel_all();
        // In-flight routers notice the cancel within a poll interval, or their connect timeout.
        while (!p.tasks.wait_idle(std::chrono::steady_clock::now() + std::chrono::hours(1))) {
        }
    }
    p.workers.stop();
    p.results.stop();   // every aggregate is on the wire and reported to intake
    p.requests.stop();  // every waiter has its reply
    spdlog::info("fanoutd stopped");
}

}  // namespace fanout::daemon
