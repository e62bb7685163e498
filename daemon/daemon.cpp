#include "daemon/daemon.hpp"

#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include "curve/curve_keys.hpp"
#include "curve/zap_handler.hpp"
#include "daemon/api/connection_guard.hpp"
#include "daemon/api/intake.hpp"
#include "daemon/api/publisher.hpp"
#include "daemon/api/request_handler.hpp"
#include "daemon/audit/audit_log.hpp"
#include "daemon/journal/journal.hpp"
#include "daemon/journal/journal_log.hpp"
#include "daemon/journal/recovery.hpp"
#include "daemon/jump/hub.hpp"
#include "daemon/jump/rate_limiter.hpp"
#include "daemon/jump/ssh_link.hpp"
#include "daemon/metrics/daemon_metrics.hpp"
#include "daemon/observability.hpp"
#include "daemon/scheduling/scheduler.hpp"
#include "daemon/ssh/session_pool.hpp"
#include "daemon/workers/session_opener.hpp"
#include "daemon/workers/worker_pool.hpp"

namespace fanout::daemon {
namespace {

std::optional<curve::key_pair> load_server_keys(const config::curve_options& curve) {
    if (!curve.enabled()) return std::nullopt;
    return curve::load_key_pair(curve.secret_key_file);
}

// Bound before either CURVE socket: without a ZAP handler ZeroMQ would let any client in.
std::unique_ptr<zap_handler> start_zap_handler(zmq::context_t& context,
                                               const config::curve_options& curve,
                                               const std::optional<curve::key_pair>& keys) {
    if (!keys) return nullptr;
    if (!curve.allow_any_client) {
        // Named keys: a client's *.pub file name is its principal in the audit trail (issue 14).
        auto allowed = curve::load_allow_list_names(curve.clients_dir);
        spdlog::info("CURVE on: server public key {}, {} allowed client key(s) from {}",
                     keys->public_key, allowed.size(), curve.clients_dir.string());
        return std::make_unique<zap_handler>(context, std::move(allowed));
    }
    spdlog::info("CURVE on, encryption only: server public key {}, any client key accepted",
                 keys->public_key);
    return std::make_unique<zap_handler>(context, std::optional<std::set<std::string>>());
}

// The pool connections' CURVE client credentials (--pool-curve-key, --pool-server-key).
std::optional<curve::client_credentials> load_pool_credentials(
    const config::pool_curve_options& pool) {
    if (!pool.enabled()) return std::nullopt;
    curve::client_credentials credentials{curve::load_key_pair(pool.key_file),
                                          curve::public_key_from_argument(pool.server_key)};
    spdlog::info("CURVE on the pool connections: client key {}, proxy backend key {}",
                 credentials.client.public_key, credentials.server_public_key);
    return credentials;
}

}  // namespace

namespace {

// --metrics-listen: recording starts before the journal's jobs are restored (metrics are off,
// and cost one relaxed load per event, without it).
config with_metrics_enabled(config c) {
    if (!c.metrics_listen.empty()) metrics::enable();
    return c;
}

std::unique_ptr<journal> open_journal(const config& c) {
    if (c.state_dir.empty()) {
        spdlog::warn("no --state-dir: jobs accepted and not ended are lost if fanoutd crashes");
        return nullptr;
    }
    return std::make_unique<journal>(c.state_dir);
}

}  // namespace

namespace {

// The scheduler's demand as session pool keys: the pool keeps the idle sessions of routers that
// queued and running jobs still need (issue 16). Keys are computed before the pool's lock.
class pool_demand final : public task_demand {
  public:
    explicit pool_demand(session_pool& pool) : pool_(pool) {}
    void add(const std::vector<const device*>& routers) override {
        pool_.add_demand(keys_of(routers));
    }
    void remove(const std::vector<const device*>& routers) override {
        pool_.remove_demand(keys_of(routers));
    }

  private:
    static std::vector<std::string> keys_of(const std::vector<const device*>& routers) {
        std::vector<std::string> keys;
        keys.reserve(routers.size());
        for (const auto* d : routers) keys.push_back(session_key_of(*d));
        return keys;
    }
    session_pool& pool_;
};

}  // namespace

// Declaration order is construction order; destruction runs backwards, so the threads that
// use a part are joined before that part goes away, and the context goes last.
struct daemon::parts {
    config settings;
    std::unique_ptr<journal> journal_file;  // first: a locked --state-dir fails before binding
    std::unique_ptr<journal_log> log;
    std::unique_ptr<audit_log> audit_file;  // --audit-log (issue 14); a bad file stops start-up
    audit_trail audit;                      // outlives intake and the publisher that record
    zmq::context_t context;
    std::optional<curve::key_pair> server_keys;
    std::unique_ptr<zap_handler> zap;  // outlives both CURVE sockets
    std::optional<curve::client_credentials> pool_credentials;
    request_handler handler;       // the intake thread's, and SIGHUP's replace_*; outlives intake
    connection_guard connections;  // watches both listeners; outlives them
    intake requests;  // binds first: the publisher connects to its completions endpoint
    publisher results;
    jump::hub bastions;               // outlives the session pool whose opener uses it
    jump::rate_limiter connect_rate;  // --connect-rate, likewise
    session_pool sessions;            // outlives the workers that lease its sessions
    pool_demand demand;               // what the scheduler's jobs still need, told to the pool
    scheduler tasks;
    bool restored;  // the journal's jobs are back before any worker starts
    worker_pool workers;
    bool stopped = false;
    std::unique_ptr<observability> observed;  // --metrics-listen; last: stops first

    // The intake thread reaches the scheduler, the workers and the session pool (has_room, the
    // gauges), which are destroyed before it: stop it first, also when shutdown() never ran.
    ~parts() { requests.stop(); }

    bool restore(const std::shared_ptr<const inventory>& devices) {
        if (!journal_file) return false;
        auto state = recover(journal_file->take_replayed(), settings.rerun_interrupted);
        write_owed_job_ends(state);
        tasks.restore(std::move(state), devices);
        return true;
    }

    // Audit (docs/audit.md, "Crash semantics"): a job that ended before a crash may have ended in
    // the journal without its job_end reaching the audit file; it gets one now, `recovered`.
    // Before the scheduler's start-up snapshot, which carries the ones still held (disk full).
    void write_owed_job_ends(recovered_state& state) {
        std::size_t owed = 0;
        for (auto& kept : state.ended) {
            if (!kept.audit_owed) continue;
            kept.audit_owed = false;
            ++owed;
            if (!audit_file) continue;
            log->audit_owed(kept.result->job_id);
            audit.ended(*kept.result, /*recovered=*/true);  // once written: log->job_audited
        }
        if (owed == 0) return;
        if (audit_file)
            spdlog::warn(
                "audit log {}: {} job(s) ended before the last stop without their job_end "
                "confirmed in it (a crash?); written now with \"recovered\": true",
                audit_file->path().string(), owed);
        else
            spdlog::warn(
                "{} job(s) ended before the last stop without their audit job_end confirmed, "
                "and --audit-log is not set now: not written",
                owed);
    }

    parts(config c, std::shared_ptr<const inventory> devices)
        : settings(with_metrics_enabled(std::move(c))),
          journal_file(open_journal(settings)),
          log(journal_file
                  ? std::make_unique<journal_log>(*journal_file, !settings.audit_log.empty())
                  : nullptr),
          audit_file(settings.audit_log.empty() ? nullptr
                                                : std::make_unique<audit_log>(settings.audit_log)),
          audit(audit_file.get(),
                [this](const std::string& job_id) {
                    if (log) log->job_audited(job_id);  // the journal no longer owes it
                }),
          context(1),
          server_keys(load_server_keys(settings.curve)),
          zap(start_zap_handler(context, settings.curve, server_keys)),
          pool_credentials(load_pool_credentials(settings.pool_curve)),
          handler(request_settings{settings.limits, settings.command_timeout, settings.workers,
                                   settings.node_id, settings.advertise_endpoint},
                  tasks, devices, std::make_shared<const command_policy>(settings.commands),
                  daemon_gauges{[this] { return workers.busy(); },
                                [this] {
                                    auto f = sessions.figures();
                                    return protocol::session_figures{
                                        f.open,    f.idle,    f.hits,    f.misses,
                                        f.dropped, f.evicted, f.expired, f.reopened};
                                },
                                [this] {
                                    auto f = bastions.figures();
                                    return protocol::bastion_figures{
                                        f.sessions, f.channels, f.opened,       f.failed,
                                        f.dropped,  f.expired,  f.memo_failures};
                                }}),
          connections(context, settings.max_connections),
          requests(context,
                   intake_settings{settings.jobs_endpoint, settings.jobs_connect,
                                   settings.limits.max_frame_bytes,
                                   [this] {
                                       auto now = tasks.stats();
                                       return now.queued_jobs + now.running_jobs <
                                                  settings.max_queued_jobs &&
                                              now.pending_tasks < settings.max_pending_tasks;
                                   },
                                   settings.max_client_reply_bytes, settings.max_reply_bytes},
                   handler, server_keys ? &*server_keys : nullptr,
                   pool_credentials ? &*pool_credentials : nullptr, &connections),
          results(context,
                  publisher_settings{settings.results_endpoint, requests.completions_endpoint(),
                                     settings.results_hwm, settings.results_buffer_bytes,
                                     settings.results_connect,
                                     [this](const protocol::job_result& r) { audit.ended(r); }},
                  server_keys ? &*server_keys : nullptr,
                  pool_credentials ? &*pool_credentials : nullptr, &connections),
          bastions(settings.bastions,
                   jump::ssh_link_opener(settings.transport, settings.sessions.keepalive_interval),
                   devices),
          connect_rate(settings.connect_rate, std::max(1.0, settings.connect_rate)),
          sessions(settings.sessions,
                   routed_session_opener(settings.transport, bastions, connect_rate)),
          demand(sessions),
          tasks(scheduler_limits{settings.max_queued_jobs, settings.max_pending_tasks,
                                 settings.keep_jobs, settings.keep_time,
                                 settings.max_sessions_per_router, settings.keep_bytes},
                results, log.get(), node_identity{settings.node_id, settings.advertise_endpoint},
                &demand),
          restored(restore(devices)),
          workers(settings.workers, tasks, sessions) {
        // At a bastion's caps, a router waiting for a channel closes an idle router session
        // through the same chain (hub.hpp).
        bastions.set_reclaimer([this](const std::vector<std::string>& chain) {
            const std::string end = via_key_part(chain);
            const bool closed =
                sessions.close_idle_if([&](const std::string& key) { return key.ends_with(end); });
            if (closed)
                spdlog::debug("bastion {}: every channel taken; closed an idle router session",
                              chain.back());
            return closed;
        });
        handler.set_audit_trail(&audit);  // issue 14
        // --metrics-listen binds before intake answers anything: a port that cannot be bound
        // stops start-up before a client or a health check has seen this daemon answer.
        if (auto where = parse_listen_address(settings.metrics_listen))
            observed = std::make_unique<observability>(*where, tasks, workers, sessions);
        connections.start();
        requests.start();
    }
};

daemon::daemon(config settings, std::shared_ptr<const inventory> devices)
    : parts_(std::make_unique<parts>(std::move(settings), std::move(devices))) {}

daemon::~daemon() {
    shutdown();
}

void daemon::replace_inventory(std::shared_ptr<const inventory> devices) {
    parts_->bastions.replace_inventory(devices);
    parts_->handler.replace_inventory(std::move(devices));
}

void daemon::replace_command_policy(std::shared_ptr<const command_policy> policy) {
    parts_->handler.replace_command_policy(std::move(policy));
}

bool daemon::reopen_audit_log() {
    if (!parts_->audit_file) return true;
    const bool reopened = parts_->audit_file->reopen();
    // The reopen may have written held records (a full disk freed by the rotation): the audit
    // trail then tells the journal which job_ends are on disk now, not at the next record.
    parts_->audit.ready();
    return reopened;
}

void daemon::shutdown() {
    auto& p = *parts_;
    if (p.stopped) return;
    p.stopped = true;
    // /readyz answers 503 from now on.
    if (p.observed) p.observed->draining();
    p.tasks.stop_accepting();  // under the scheduler's lock: no submit slips past
    auto grace = p.settings.shutdown_grace;
    spdlog::info("shutting down: no new jobs; waiting up to {:.1f}s for running jobs",
                 std::chrono::duration<double>(grace).count());
    if (!p.tasks.wait_idle(std::chrono::steady_clock::now() + grace)) {
        spdlog::warn("grace period over: cancelling the jobs still running");
        p.tasks.cancel_all();
        // A journal that still cannot write (disk full) is not waited for any longer.
        p.tasks.stop_waiting_for_journal();
        // In-flight routers notice the cancel within a poll interval, or their connect timeout.
        while (!p.tasks.wait_idle(std::chrono::steady_clock::now() + std::chrono::hours(1))) {
        }
    }
    p.workers.stop();
    p.tasks.sync_log();
    p.results.stop();   // every aggregate is on the wire and reported to intake
    p.requests.stop();  // every waiter has its reply
    // /healthz and /readyz answer until here.
    p.observed.reset();
    spdlog::info("fanoutd stopped");
}

}  // namespace fanout::daemon
