#include "daemon/workers/session_opener.hpp"

#include <chrono>
#include <optional>
#include <utility>

namespace fanout::daemon {

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
        };
}

}  // namespace fanout::daemon
