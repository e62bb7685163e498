#include "daemon/workers/worker_pool.hpp"

#include <optional>

#include <spdlog/spdlog.h>

#include "daemon/scheduling/clock.hpp"

namespace fanout::daemon {

using protocol::error_kind;
using protocol::router_error;
using protocol::router_result;
using protocol::router_status;

namespace {

using std::chrono::steady_clock;
using std::chrono::system_clock;

// Stamps a result with its wall-clock span; the duration comes from the steady clock.
router_result timed_result(system_clock::time_point wall_start, steady_clock::time_point start) {
    router_result r;
    auto end = steady_clock::now();
    r.start_time = iso8601_utc(wall_start);
    r.end_time = iso8601_utc(system_clock::now());
    r.execution_duration = seconds_between(start, end);
    return r;
}

router_result failed_result(const router_error& error, system_clock::time_point wall_start,
                            steady_clock::time_point start) {
    auto r = timed_result(wall_start, start);
    r.status = router_status::failed;
    r.error = error;
    return r;
}

router_result cancelled_result() {
    router_result r;
    r.status = router_status::cancelled;
    r.start_time = r.end_time = iso8601_utc(system_clock::now());
    return r;
}

// A session may serve further jobs only when every command ended cleanly: no
// timeout or cancel left a channel half-read, no truncation left output unread.
bool leaves_session_clean(const command_outcome& outcome) {
    if (outcome.truncated) return false;
    if (outcome.status == router_status::success) return true;
    return outcome.status == router_status::failed && outcome.error &&
           outcome.error->kind == error_kind::exit_status;
}

}  // namespace

worker_pool::worker_pool(std::size_t workers, scheduler& tasks, session_pool& sessions)
    : tasks_(tasks), sessions_(sessions), size_(workers) {
    threads_.reserve(workers);
    try {
        for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { run(); });
    } catch (...) {
        stop();  // join the threads already started, or their destructors would terminate
        throw;
    }
}

worker_pool::~worker_pool() {
    stop();
}

void worker_pool::stop() {
    tasks_.shutdown();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
}

void worker_pool::run() {
    while (auto task = tasks_.next_task()) {
        ++busy_;
        try {
            serve(*task);
        } catch (const std::exception& e) {
            spdlog::error("job {} router {}: unexpected error: {}", task->owner->id,
                          task->target().name, e.what());
            // Whatever the worker had not recorded yet still gets a result.
            auto now = system_clock::now();
            tasks_.record_missing(
                *task, failed_result({error_kind::internal, e.what()}, now, steady_clock::now()));
        }
        tasks_.task_finished(*task);
        --busy_;
    }
}

// Runs every command of the job on one router, in order, over one pooled session. The first
// command's duration includes connecting (when the session is new), as junos-mcp-server's does.
void worker_pool::serve(const router_task& task) {
    const job& j = *task.owner;
    const device& target = task.target();
    const std::size_t commands = j.commands.size();
    std::size_t next = 0;
    // Records results from `next` on; used for the commands a failure leaves unrun.
    auto record_rest = [&](auto make) {
        for (; next < commands; ++next) tasks_.record(task, next, make());
    };

    if (j.cancelled) return record_rest(cancelled_result);

    auto wall_start = system_clock::now();
    auto start = steady_clock::now();
    // Records every command not yet run as failed with `error` (or cancelled).
    auto fail_rest = [&](const router_error& error) {
        spdlog::debug("job {} router {}: {} error: {}", j.id, target.name,
                      protocol::to_string(error.kind), error.message);
        if (j.cancelled)
            record_rest(cancelled_result);
        else
            record_rest([&] { return failed_result(error, wall_start, start); });
    };
    auto acquired = sessions_.acquire(target, j.cancelled);
    if (auto* error = std::get_if<router_error>(&acquired)) return fail_rest(*error);
    auto session = std::move(std::get<session_pool::lease>(acquired));
    bool clean = true;  // every command on this session ended cleanly
    // Closes the session and opens a fresh one; on failure records the rest and returns false.
    auto replace = [&] {
        auto error = sessions_.replace(session, target, j.cancelled);
        if (error) fail_rest(*error);
        clean = true;
        return !error;
    };

    for (; next < commands; ++next) {
        if (j.cancelled) return record_rest(cancelled_result);
        if (next > 0) {
            wall_start = system_clock::now();
            start = steady_clock::now();
        }
        // A router that closed the session after the previous command gets a fresh one.
        if (!session->alive() && !replace()) return;
        auto outcome = session->run(j.commands[next], j.timeout, j.cancelled);
        if (!outcome.started && outcome.error && outcome.error->kind == error_kind::channel &&
            !j.cancelled) {
            // A pooled session that died while idle, or a router that allows one channel per
            // connection. The command never reached the router, so running it once on a fresh
            // connection cannot run it twice.
            spdlog::debug("job {} router {}: {}; retrying on a new connection", j.id, target.name,
                          outcome.error->message);
            if (!replace()) return;
            outcome = session->run(j.commands[next], j.timeout, j.cancelled);
        }
        clean = clean && leaves_session_clean(outcome);
        auto r = timed_result(wall_start, start);
        r.status = outcome.status;
        r.output = std::move(outcome.output);
        r.stderr_output = std::move(outcome.stderr_output);
        r.exit_status = outcome.exit_status;
        r.error = std::move(outcome.error);
        r.truncated = outcome.truncated;
        spdlog::debug("job {} router {} command {}: {} in {:.3f}s, {} bytes{}", j.id, target.name,
                      next, protocol::to_string(r.status), r.execution_duration, r.output.size(),
                      r.error ? ", " + r.error->message : std::string());
        tasks_.record(task, next, std::move(r));
    }
    if (clean) session.keep();
}

}  // namespace fanout::daemon
