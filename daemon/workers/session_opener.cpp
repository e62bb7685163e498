#include "daemon/workers/session_opener.hpp"

#include <chrono>
#include <optional>
#include <utility>

#include "daemon/metrics/daemon_metrics.hpp"

namespace fanout::daemon {

namespace {

// fanout_session_connect_duration_seconds: from after the --connect-rate wait to an
// authenticated session (or a failure), retries included.
session_pool::opener timed(session_pool::opener open) {
    return [open = std::move(open)](const device& target, const std::atomic<bool>& cancelled)
               -> std::variant<ssh_connection, protocol::router_error> {
        const auto started = std::chrono::steady_clock::now();
        auto opened = open(target, cancelled);
        metrics::record_session_open(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
            std::holds_alternative<ssh_connection>(opened));
        return opened;
    };
}

}  // namespace

session_pool::opener routed_session_opener(transport_options options, jump::hub& bastions,
                                           jump::rate_limiter& connect_rate) {
    auto direct = timed(ssh_session_opener(options));
    auto routed = [options, &bastions](const device& target, const std::atomic<bool>& cancelled)
        -> std::variant<ssh_connection, protocol::router_error> {
        std::optional<ssh_connection> connection;
        auto error = with_connect_retries(
            [&]() -> std::optional<connect_failure> {
                auto through = bastions.stream(target, cancelled);
                if (auto* failed = std::get_if<connect_failure>(&through)) return *failed;
                connect_failure failure;
                auto opened = ssh_connection::open(target, options, cancelled, &failure.stage,
                                                   std::get<int>(through));
                if (auto* open = std::get_if<ssh_connection>(&opened)) {
                    connection = std::move(*open);
                    return std::nullopt;
                }
                failure.error = std::move(std::get<protocol::router_error>(opened));
                return failure;
            },
            options.connect_retries, options.connect_backoff, cancelled);
        if (error) return *std::move(error);
        return std::move(*connection);
    };
    return [direct = std::move(direct), routed = timed(std::move(routed)), &connect_rate](
               const device& target, const std::atomic<bool>& cancelled)
               -> std::variant<ssh_connection, protocol::router_error> {
        if (!connect_rate.take(cancelled))
            return protocol::router_error{protocol::error_kind::connect,
                                          "cancelled while waiting for --connect-rate"};
        return target.jump.empty() ? direct(target, cancelled) : routed(target, cancelled);
    };
}

}  // namespace fanout::daemon
