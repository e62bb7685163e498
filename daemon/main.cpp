// fanoutd's entry point: configuration, logging, inventory, then run until SIGTERM/SIGINT;
// SIGHUP re-reads the inventory and the command policy and reopens the audit file. Readiness,
// reloads and shutdown are reported to systemd.
#include <malloc.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include "curve/curve_keys.hpp"
#include "daemon/admission/inventory.hpp"
#include "daemon/api/metrics_server.hpp"
#include "daemon/audit/audit_log.hpp"
#include "daemon/config.hpp"
#include "daemon/daemon.hpp"
#include "daemon/hardening.hpp"
#include "daemon/journal/state_dir.hpp"
#include "daemon/log_format.hpp"
#include "daemon/open_files.hpp"
#include "daemon/service_notify.hpp"
#include "daemon/ssh/algorithms.hpp"
#include "daemon/ssh/ssh_config_resolve.hpp"
#include "fanout/version.hpp"

namespace {

using fanout::daemon::config;

bool is_loopback_endpoint(const std::string& endpoint) {
    if (endpoint.rfind("tcp://", 0) != 0) return true;  // ipc:// and inproc:// stay local
    auto host = endpoint.substr(6, endpoint.rfind(':') - 6);
    return host.rfind("127.", 0) == 0 || host == "localhost" || host == "[::1]";
}

void warn_if_world_readable(const config& c, const fanout::daemon::inventory& devices) {
    bool holds_passphrases = false;
    for (const auto& d : devices.devices()) holds_passphrases |= !d.passphrase.empty();
    struct stat st {};
    if ((devices.holds_passwords() || holds_passphrases) &&
        ::stat(c.inventory_path.c_str(), &st) == 0 && (st.st_mode & S_IROTH))
        spdlog::warn("{} holds passwords or key passphrases and is world-readable; chmod 600 it",
                     c.inventory_path.string());
    if (auto who = fanout::daemon::others_can_write(c.inventory_path))
        spdlog::warn(
            "{} is writable by {}: they can point routers at any host and collect the "
            "credentials fanoutd sends; chmod go-w it",
            c.inventory_path.string(), *who);
    const auto& known_hosts = c.transport.known_hosts;
    if (auto who =
            known_hosts.empty() ? std::nullopt : fanout::daemon::others_can_write(known_hosts))
        spdlog::warn("{} is writable by {}: they can add a host key for any router; chmod go-w it",
                     known_hosts.string(), *who);
}

void warn_about_exposure(const config& c, const fanout::daemon::inventory& devices) {
    for (const auto& endpoint : {c.jobs_endpoint, c.results_endpoint})
        if (!is_loopback_endpoint(endpoint) && !c.curve.enabled())
            spdlog::warn(
                "{} is not a loopback address and CURVE is off: anyone who can reach it can "
                "submit jobs or read results, unencrypted (see --curve-secret-key)",
                endpoint);
    warn_if_world_readable(c, devices);
    if (auto metrics = fanout::daemon::parse_listen_address(c.metrics_listen);
        metrics && !metrics->loopback())
        spdlog::warn(
            "--metrics-listen {} is not a loopback address: anyone who can reach it can read "
            "fanoutd's metrics (counts only, no router names or commands); firewall it",
            c.metrics_listen);
    if (c.curve.allow_any_client)
        spdlog::warn(
            "--curve-allow-any-client: traffic is encrypted, but any client that knows the "
            "server public key may submit jobs and read results");
    if (c.transport.host_keys == fanout::daemon::host_key_policy::off)
        spdlog::warn("--host-key-policy off: router identities are not verified");
}

// Each SSH session, in use by a worker or idle in the pool, holds one socket. The soft open-file
// limit (often 1024) goes up to the hard one, and --max-sessions defaults to what that leaves
// after the reserve (open_files.hpp); a --max-sessions or --workers it cannot hold gets a warning.
void size_session_pool(config& c) {
    namespace d = fanout::daemon;
    const auto limit = d::raise_open_file_limit();
    if (limit.soft != limit.soft_before)
        spdlog::info("open-file limit raised from {} to {} (the hard limit)", limit.soft_before,
                     limit.soft);
    else
        spdlog::info("open-file limit {} (hard limit {})", limit.soft, limit.hard);
    const std::size_t fits = d::sessions_for_open_file_limit(limit.soft, c.max_connections);
    const std::size_t reserved = d::reserved_descriptors(c.max_connections);
    if (!c.max_sessions_set) {
        c.sessions.max_sessions = fits;
        spdlog::info("--max-sessions {}: the open-file limit minus {} reserved descriptors", fits,
                     reserved);
    } else if (c.sessions.max_sessions > fits) {
        spdlog::warn(
            "--max-sessions {} is more than the {} sessions the open-file limit {} leaves after "
            "{} reserved descriptors: near the cap, connects may fail with 'too many open "
            "files'; raise the limit (ulimit -n, LimitNOFILE=) or lower --max-sessions",
            c.sessions.max_sessions, fits, limit.soft, reserved);
    } else {
        spdlog::info("--max-sessions {}", c.sessions.max_sessions);
    }
    if (c.workers > fits)
        spdlog::warn(
            "--workers {} can hold more sessions at once than the {} the open-file limit {} "
            "leaves after {} reserved descriptors; raise the limit or lower --workers",
            c.workers, fits, limit.soft, reserved);
}

// A fleet larger than the cap cannot keep every router's session between jobs (issue 16).
void warn_if_fleet_exceeds_cap(const config& c, std::size_t routers) {
    if (c.sessions.idle_timeout.count() > 0 && routers > c.sessions.max_sessions)
        spdlog::warn(
            "the inventory has {} routers, more than --max-sessions {}: a job over all of them "
            "connects again to at least {} of them every time (`reopened` in fanoutctl ping); "
            "see docs/reliability.md, \"Sizing\"",
            routers, c.sessions.max_sessions, routers - c.sessions.max_sessions);
}

// Router output arrives in every worker thread and may be megabytes; glibc then raises its
// mmap threshold to that size and serves such blocks from up to 16 per-thread arenas, which
// keep the freed space: a 30-minute soak grew to 700+ MB with 256 MiB retained. A fixed
// threshold maps big blocks on their own and returns them on free (soak: flat, see
// bench/RESULTS.md). GLIBC_TUNABLES=glibc.malloc.mmap_threshold=N still overrides it.
void fix_malloc_mmap_threshold() {
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    if (tunables && std::strstr(tunables, "mmap_threshold")) return;
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
}

std::string ready_status(const config& c, std::size_t routers) {
    return fmt::format("{} workers, {} routers, jobs on {}", c.workers, routers, c.jobs_endpoint);
}

// devices.json, with each router's ssh_config file applied (libssh's parser) and the algorithm
// lists checked. Throws inventory_error; logs the file's ignored host-key settings once here.
std::shared_ptr<const fanout::daemon::inventory> load_inventory(const config& c) {
    auto resolved = fanout::daemon::resolve_ssh_configs(
        fanout::daemon::inventory::load(c.inventory_path, c.default_transport));
    fanout::daemon::check_ssh_algorithms(resolved.devices, c.inventory_path.string());
    for (const auto& warning : resolved.warnings) spdlog::warn("{}", warning);
    return std::make_shared<const fanout::daemon::inventory>(std::move(resolved.devices));
}

// SIGHUP: re-read every file that may change while running. A bad file is logged and the
// previous version stays in force; fanoutd never exits here and running jobs are untouched.
void reload(const config& c, fanout::daemon::daemon& running, std::size_t& routers) {
    namespace notify = fanout::daemon::service_notify;
    notify::reloading();
    try {
        auto fresh = load_inventory(c);
        warn_if_world_readable(c, *fresh);
        running.replace_inventory(fresh);
        spdlog::info("SIGHUP: reloaded {}: {} routers (was {}); running jobs keep theirs",
                     c.inventory_path.string(), fresh->devices().size(), routers);
        routers = fresh->devices().size();
        warn_if_fleet_exceeds_cap(c, routers);
    } catch (const std::exception& e) {
        spdlog::error("SIGHUP: invalid inventory, keeping the previous one: {}", e.what());
    }
    if (!c.command_policy_path.empty()) {
        try {
            auto policy = std::make_shared<const fanout::daemon::command_policy>(
                fanout::daemon::command_policy::load(c.command_policy_path));
            running.replace_command_policy(policy);
            spdlog::info("SIGHUP: reloaded {}: {}", c.command_policy_path.string(),
                         policy->describe());
        } catch (const std::exception& e) {
            spdlog::error("SIGHUP: invalid command policy, keeping the previous one: {}", e.what());
        }
    }
    running.reopen_audit_log();  // logrotate (docs/audit.md); a failure is logged, never fatal
    notify::ready(ready_status(c, routers));
}

}  // namespace

int main(int argc, char** argv) {
    auto parsed = fanout::daemon::parse_command_line(argc, argv);
    if (auto* code = std::get_if<int>(&parsed)) return *code;
    auto& settings = std::get<config>(parsed);
    fix_malloc_mmap_threshold();

    auto logger = spdlog::stderr_color_mt("fanoutd");
    logger->set_formatter(std::make_unique<fanout::daemon::escaping_formatter>(
        std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v")));
    spdlog::set_default_logger(logger);
    spdlog::set_level(spdlog::level::from_str(settings.log_level));
    if (!fanout::daemon::keep_secrets_out_of_core_dumps())
        spdlog::warn("could not turn core dumps off: a crash may write passwords to a core file");

    std::shared_ptr<const fanout::daemon::inventory> devices;
    try {
        devices = load_inventory(settings);
    } catch (const fanout::daemon::inventory_error& e) {
        spdlog::error("invalid inventory: {}", e.what());
        return 2;
    }
    warn_about_exposure(settings, *devices);
    spdlog::info("command policy: {}", settings.commands.describe());
    size_session_pool(settings);
    warn_if_fleet_exceeds_cap(settings, devices->devices().size());

    // Every thread inherits this mask, so the signals reach only the sigwait below.
    sigset_t handled_signals;
    sigemptyset(&handled_signals);
    sigaddset(&handled_signals, SIGINT);
    sigaddset(&handled_signals, SIGTERM);
    sigaddset(&handled_signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &handled_signals, nullptr);
    signal(SIGPIPE, SIG_IGN);

    try {
        fanout::daemon::daemon running(settings, devices);
        spdlog::info("fanoutd {} ready: jobs on {}, results on {}, {} workers, {} routers",
                     fanout::fanout_version, settings.jobs_endpoint, settings.results_endpoint,
                     settings.workers, devices->devices().size());
        std::size_t routers = devices->devices().size();
        devices.reset();  // the daemon holds it; a reload must be able to free it
        fanout::daemon::service_notify::ready(ready_status(settings, routers));
        int sig = 0;
        while (sigwait(&handled_signals, &sig) == 0 && sig == SIGHUP)
            reload(settings, running, routers);
        spdlog::info("received {}", sig == SIGINT ? "SIGINT" : "SIGTERM");
        fanout::daemon::service_notify::stopping();
        running.shutdown();
    } catch (const fanout::curve::key_file_error& e) {
        spdlog::error("invalid CURVE setup: {}", e.what());
        return 2;
    } catch (const fanout::daemon::state_dir_error& e) {
        spdlog::error("cannot start: {}", e.what());
        return 2;
    } catch (const fanout::daemon::audit_log_error& e) {  // issue 14
        spdlog::error("cannot start: {}", e.what());
        return 2;
    } catch (const zmq::error_t& e) {
        spdlog::error("cannot start: {} (check --jobs/--results endpoints)", e.what());
        return 1;
    } catch (const std::exception& e) {
        spdlog::error("cannot start: {}", e.what());
        return 1;
    }
    return 0;
}
