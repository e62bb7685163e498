// serve(): one router task, start to finish: lease a session, run the job's commands on it in
// order, record one result per command. The worker pool calls it with the daemon's session
// pool; unit tests call it with in-memory sessions (tests/unit/test_serve.cpp).
//
// Contract (the worker's safety rules):
// - Every command of the task gets exactly one recorded result: success, failed or cancelled.
//   A connection that cannot be opened fails every command with that error; a cancelled job
//   records `cancelled` for every command not yet run.
// - A command that never reached the router (outcome.started false, kind channel: a pooled
//   session that died while idle, or a router allowing one channel per connection) is retried
//   once, on a fresh connection. A command that may have been sent is never run again,
//   whatever happened to the connection afterwards.
// - A session found dead between two commands is replaced before the next command.
// - The session goes back to the pool only when every command on it ended cleanly: success, a
//   non-zero exit status, or a NETCONF <rpc-error> (rpc_error), with nothing truncated. A
//   timeout, cancel, dropped channel, broken NETCONF frame or truncated output closes it.
// - Every result carries `transport`, the device's ("ssh" or "netconf").
// - The first command's duration includes connecting when the session is new, as
//   junos-mcp-server's does.
// - Time (issue 13): the pool gets the job's router_limits (time_budget.hpp): with a
//   `deadline`, it ends deadline seconds after this router's start; without one, each connect
//   phase has the budget the job's timeout gives it. With a deadline, each command's timeout
//   is min(timeout, deadline left); a command that times out because of it, or that the
//   deadline leaves no time to start, fails with kind timeout, "deadline of D s hit during
//   command: ..."; the commands after it likewise.
// Pool requirements: acquire(device, cancel flag, router_limits) -> variant<lease, router_error>;
// replace(lease&, device, cancel flag, router_limits) -> optional<router_error>; a lease derefs to
// a session with alive() and run(command, timeout, cancel flag, output format) -> command_outcome,
// and has keep(). The job's format reaches an exec router as ` | display json|xml` appended to the
// command, a NETCONF router as <command format="json|xml">.
#pragma once

#include <chrono>
#include <cstddef>
#include <variant>

#include <spdlog/spdlog.h>

#include "daemon/scheduling/scheduler.hpp"
#include "daemon/ssh/time_budget.hpp"
#include "daemon/ssh/transport.hpp"
#include "daemon/workers/output_format.hpp"

namespace fanout::daemon {

namespace serving {
using std::chrono::steady_clock;
using std::chrono::system_clock;

// A result stamped with its wall-clock span; the duration comes from the steady clock.
protocol::router_result timed_result(system_clock::time_point wall_start,
                                     steady_clock::time_point start);
protocol::router_result failed_result(const protocol::router_error& error,
                                      system_clock::time_point wall_start,
                                      steady_clock::time_point start);
protocol::router_result cancelled_result();
// The outcome leaves the session fit for further commands and jobs.
bool leaves_session_clean(const command_outcome& outcome);
// The result of one command that ran (or tried to) from `start` on.
protocol::router_result result_of(command_outcome outcome, system_clock::time_point wall_start,
                                  steady_clock::time_point start);
// The job's limits for a router started at `start` (issue 13).
router_limits limits_of(const job& j, steady_clock::time_point start);
// The job's deadline for that router as a budget (unbounded without one).
time_budget deadline_budget(const router_limits& limits);
}  // namespace serving

template <class Pool>
void serve(const router_task& task, scheduler& tasks, Pool& sessions) {
    using namespace serving;
    using protocol::error_kind;
    using protocol::router_error;
    const job& j = *task.owner;
    const device& target = task.target();
    const std::size_t commands = j.commands.size();
    std::size_t next = 0;
    // Every result says which transport ran it (or tried to).
    auto record = [&](std::size_t index, protocol::router_result r) {
        r.transport = transport_name(target.transport);
        tasks.record(task, index, std::move(r));
    };
    // Records results from `next` on; used for the commands a failure leaves unrun.
    auto record_rest = [&](auto make) {
        for (; next < commands; ++next) record(next, make());
    };
    if (j.cancelled) return record_rest(cancelled_result);

    auto wall_start = system_clock::now();
    auto start = steady_clock::now();
    const router_limits limits = limits_of(j, start);
    const time_budget deadline = deadline_budget(limits);
    // Records every command not yet run as failed with `error` (or cancelled).
    auto fail_rest = [&](const router_error& error) {
        spdlog::debug("job {} router {}: {} error: {}", j.id, target.name,
                      protocol::to_string(error.kind), error.message);
        if (j.cancelled) return record_rest(cancelled_result);
        record_rest([&] { return failed_result(error, wall_start, start); });
    };
    auto acquired = sessions.acquire(target, j.cancelled, limits);
    if (auto* error = std::get_if<router_error>(&acquired)) return fail_rest(*error);
    auto session = std::move(std::get<typename Pool::lease>(acquired));
    bool clean = true;  // every command on this session ended cleanly
    // Closes the session and opens a fresh one; on failure records the rest and returns false.
    auto replace = [&] {
        auto error = sessions.replace(session, target, j.cancelled, limits);
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
        if (deadline.expired(steady_clock::now())) {
            fail_rest(router_error{
                error_kind::timeout,
                deadline.exhausted_message("command", "no time left before command " +
                                                          std::to_string(next + 1) + " started")});
            break;
        }
        // With a deadline, no command may outlast it; a timeout it caused says so.
        auto capped = [&] {
            return std::max(std::chrono::milliseconds(1),
                            deadline.cap(j.timeout, steady_clock::now()));
        };
        auto timeout = capped();
        // Over exec the format is Junos's `| display`; over NETCONF, <command format=...>.
        const std::string command = target.transport == transport_kind::netconf
                                        ? j.commands[next]
                                        : exec_command(j.commands[next], j.format);
        auto outcome = session->run(command, timeout, j.cancelled, j.format);
        if (!outcome.started && outcome.error && outcome.error->kind == error_kind::channel &&
            !j.cancelled) {
            // The command never reached the router, so running it once on a fresh connection
            // cannot run it twice.
            spdlog::debug("job {} router {}: {}; retrying on a new connection", j.id, target.name,
                          outcome.error->message);
            if (!replace()) return;
            timeout = capped();
            outcome = session->run(command, timeout, j.cancelled, j.format);
        }
        if (timeout < j.timeout && outcome.error && outcome.error->kind == error_kind::timeout)
            outcome.error->message = deadline.exhausted_message("command", outcome.error->message);
        clean = clean && leaves_session_clean(outcome);
        auto r = result_of(std::move(outcome), wall_start, start);
        apply_format(r, j.format);
        spdlog::debug("job {} router {} command {}: {} in {:.3f}s, {} bytes{}", j.id, target.name,
                      next, protocol::to_string(r.status), r.execution_duration, r.output.size(),
                      r.error ? ", " + r.error->message : std::string());
        record(next, std::move(r));
    }
    if (clean) session.keep();
}

}  // namespace fanout::daemon
