#include "daemon/workers/session_opener.hpp"

#include <chrono>
#include <optional>
#include <utility>

#include "daemon/metrics/daemon_metrics.hpp"

namespace fanout::daemon {

namespace {

// Direct, or through the router's bastion chain, with connect retries, all within `budget`.
std::variant<ssh_connection, protocol::router_error> open_within(const device& target,
                                                                 const transport_options& options,
                                                                 jump::hub& bastions,
                                                                 const std::atomic<bool>& cancelled,
                                                                 const time_budget& budget) {
    if (target.jump.empty()) return open_with_retries(target, options, cancelled, budget);
    std::optional<ssh_connection> connection;
    auto error = with_connect_retries(
        [&]() -> std::optional<connect_failure> {
            auto through = bastions.stream(target, cancelled, budget);
            if (auto* failed = std::get_if<connect_failure>(&through)) return *failed;
            connect_failure failure;
            auto opened = ssh_connection::open(target, within(options, budget), cancelled,
                                               &failure.stage, std::get<int>(through));
            if (auto* open = std::get_if<ssh_connection>(&opened)) {
                connection = std::move(*open);
                return std::nullopt;
            }
            failure.error = std::move(std::get<protocol::router_error>(opened));
            return failure;
        },
        options.connect_retries, options.connect_backoff, cancelled, budget,
        options.connect_timeout);
    if (error) return *std::move(error);
    return std::move(*connection);
}

}  // namespace

session_pool::opener routed_session_opener(transport_options options, jump::hub& bastions,
                                           jump::rate_limiter& connect_rate) {
    return
        [options = std::move(options), &bastions, &connect_rate](
            const device& target, const std::atomic<bool>& cancelled,
            const router_limits& limits) -> std::variant<ssh_connection, protocol::router_error> {
            // One budget for the whole connect phase, rate-limiter wait included.
            const auto budget = time_budget::resolve(
                limits, target.connect_timeout.value_or(options.connect_timeout),
                std::chrono::steady_clock::now());
            if (!connect_rate.take(cancelled, budget.until())) {
                if (cancelled.load())
                    return protocol::router_error{protocol::error_kind::connect,
                                                  "cancelled while waiting for --connect-rate"};
                return protocol::router_error{
                    protocol::error_kind::timeout,
                    budget.exhausted_message("connect", "waiting for --connect-rate")};
            }
            // fanout_session_connect_duration_seconds: from after the --connect-rate wait to an
            // authenticated session (or a failure), retries included.
            const auto started = std::chrono::steady_clock::now();
            auto opened = open_within(target, options, bastions, cancelled, budget);
            metrics::record_session_open(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
                std::holds_alternative<ssh_connection>(opened));
            return opened;
        };
}

}  // namespace fanout::daemon
