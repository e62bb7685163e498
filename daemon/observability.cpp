#include "daemon/observability.hpp"

#include <limits>
#include <string>

#include <spdlog/spdlog.h>

#include "daemon/metrics/daemon_metrics.hpp"
#include "daemon/metrics/heartbeat.hpp"
#include "daemon/metrics/process_stats.hpp"
#include "fanout/version.hpp"

namespace fanout::daemon {
namespace {

double or_nan(std::optional<double> v) {
    return v.value_or(std::numeric_limits<double>::quiet_NaN());
}

void add_process_figures(metrics::registry& r) {
    r.add_gauge_fn("process_resident_memory_bytes", "Resident memory size (VmRSS) in bytes",
                   [] { return or_nan(metrics::resident_bytes()); });
    r.add_gauge_fn("process_open_fds", "Open file descriptors (/proc/self/fd)",
                   [] { return or_nan(metrics::open_fds()); });
    r.add_gauge_fn("process_max_fds", "The soft open-file limit (RLIMIT_NOFILE)",
                   [] { return or_nan(metrics::max_fds()); });
    r.add_counter_fn("process_cpu_seconds_total", "User and system CPU time spent, in seconds",
                     [] { return or_nan(metrics::cpu_seconds()); });
    r.add_gauge_fn("process_start_time_seconds", "Start time of the process, in Unix seconds",
                   [] { return or_nan(metrics::start_time_seconds()); });
}

}  // namespace

observability::observability(const listen_address& where, scheduler& tasks,
                             const worker_pool& workers, session_pool& sessions,
                             std::chrono::steady_clock::duration stale_after) {
    auto& r = live_;
    r.add_gauge_fn("fanout_build_info", "Always 1; the version label names the build", "version",
                   {{std::string(fanout_version), [] { return 1.0; }}});
    r.add_gauge_fn("fanout_jobs",
                   "Jobs accepted and not ended: queued (no router started) or "
                   "running",
                   "state",
                   {{"queued", [&tasks] { return double(tasks.stats().queued_jobs); }},
                    {"running", [&tasks] { return double(tasks.stats().running_jobs); }}});
    r.add_gauge_fn("fanout_router_tasks_pending",
                   "Router tasks accepted and not finished (queued and in flight)",
                   [&tasks] { return double(tasks.stats().pending_tasks); });
    r.add_gauge_fn("fanout_workers", "Worker threads serving a router (busy) or not (idle)",
                   "state",
                   {{"busy", [&workers] { return double(workers.busy()); }},
                    {"idle", [&workers] { return double(workers.size() - workers.busy()); }}});
    r.add_gauge_fn("fanout_sessions", "Pooled router sessions: idle in the pool, or in use",
                   "state",
                   {{"idle", [&sessions] { return double(sessions.figures().idle); }},
                    {"in_use", [&sessions] {
                         auto f = sessions.figures();
                         return double(f.open - f.idle);
                     }}});
    r.add_counter_fn("fanout_session_pool_hits_total",
                     "Router tasks served by an idle pooled session",
                     [&sessions] { return double(sessions.figures().hits); });
    r.add_counter_fn("fanout_session_pool_misses_total",
                     "Router tasks that had to open a new session",
                     [&sessions] { return double(sessions.figures().misses); });
    r.add_counter_fn("fanout_session_pool_evictions_total",
                     "Idle sessions closed to stay under --max-sessions",
                     [&sessions] { return double(sessions.figures().evicted); });
    add_process_figures(r);

    metrics_probes probes;
    probes.render = [this] { return metrics::render() + live_.render(); };
    probes.unhealthy = [&tasks, stale_after]() -> std::optional<std::string> {
        tasks.stats();  // the scheduler's lock is free: a deadlock never answers
        auto stale = metrics::stale_loops(stale_after);
        if (stale.empty()) return std::nullopt;
        std::string text = "not turning:";
        for (const auto& loop : stale) text += " " + loop;
        return text;
    };
    probes.not_ready = [this]() -> std::optional<std::string> {
        if (draining_) return std::string("draining");
        return std::nullopt;
    };
    server_ = std::make_unique<metrics_server>(where, std::move(probes));
    spdlog::info("metrics on http://{}:{}/metrics, health on /healthz and /readyz",
                 where.host.find(':') == std::string::npos ? where.host : "[" + where.host + "]",
                 server_->port());
}

}  // namespace fanout::daemon
