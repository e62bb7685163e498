#include "daemon/workers/session_opener.hpp"

#include <optional>
#include <utility>

namespace fanout::daemon {

session_pool::opener routed_session_opener(transport_options options, jump::hub& bastions,
                                           jump::rate_limiter& connect_rate) {
    auto direct = ssh_session_opener(options);
    return [options = std::move(options), direct = std::move(direct), &bastions, &connect_rate](
               const device& target, const std::atomic<bool>& cancelled)
               -> std::variant<ssh_connection, protocol::router_error> {
        if (!connect_rate.take(cancelled))
            return protocol::router_error{protocol::error_kind::connect,
                                          "cancelled while waiting for --connect-rate"};
        if (target.jump.empty()) return direct(target, cancelled);
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
}

}  // namespace fanout::daemon
