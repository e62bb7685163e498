#include "daemon/ssh/connect_retry.hpp"

#include <algorithm>
#include <random>
#include <string>
#include <thread>

#include <spdlog/spdlog.h>

namespace fanout::daemon {

using protocol::error_kind;
using protocol::router_error;

namespace {

constexpr std::chrono::milliseconds cancel_check_interval{50};

double unit_random() {
    static thread_local std::mt19937_64 random{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(random);
}

// Sleeps `delay`; false as soon as `cancelled` is set.
bool cancellable_wait(std::chrono::milliseconds delay, const std::atomic<bool>& cancelled) {
    const auto until = std::chrono::steady_clock::now() + delay;
    for (;;) {
        if (cancelled.load()) return false;
        auto left = until - std::chrono::steady_clock::now();
        if (left <= std::chrono::steady_clock::duration::zero()) return true;
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(left, cancel_check_interval));
    }
}

}  // namespace

bool worth_retrying(const router_error& error, connect_stage stage) {
    if (stage != connect_stage::transport) return false;  // see the header for why
    return error.kind == error_kind::connect || error.kind == error_kind::timeout;
}

std::chrono::milliseconds backoff_delay(std::chrono::milliseconds backoff, unsigned retry,
                                        double unit_random) {
    double nominal =
        static_cast<double>(backoff.count()) * static_cast<double>(1ULL << std::min(retry, 30u));
    double jittered = nominal * (0.5 + std::clamp(unit_random, 0.0, 1.0));
    return std::min(max_backoff_wait,
                    std::chrono::milliseconds(static_cast<long long>(
                        std::min(jittered, static_cast<double>(max_backoff_wait.count())))));
}

std::optional<router_error> with_connect_retries(const connect_attempt& attempt, unsigned retries,
                                                 std::chrono::milliseconds backoff,
                                                 const std::atomic<bool>& cancelled,
                                                 const time_budget& budget,
                                                 std::chrono::milliseconds connect_timeout) {
    // The last error, worded for a budget that ran out and for the attempts made.
    auto final_error = [&](connect_failure failure, unsigned attempts) {
        if (failure.error.kind == error_kind::timeout &&
            budget.expired(std::chrono::steady_clock::now()))
            failure.error.message =
                budget.exhausted_message(phase_of(failure.stage), failure.error.message);
        if (attempts > 1 && !cancelled.load())
            failure.error.message += " (after " + std::to_string(attempts) + " attempts)";
        return failure.error;
    };
    for (unsigned done = 0;; ++done) {
        auto failure = attempt();
        if (!failure) return std::nullopt;
        const bool last = done == retries;
        if (last || cancelled.load() || !worth_retrying(failure->error, failure->stage))
            return final_error(std::move(*failure), done + 1);
        auto delay = backoff_delay(backoff, done, unit_random());
        if (!budget.room_for_attempt(delay, connect_timeout, std::chrono::steady_clock::now())) {
            spdlog::debug("connect attempt {} failed ({}); no time left for a retry", done + 1,
                          failure->error.message);
            return final_error(std::move(*failure), done + 1);
        }
        spdlog::debug("connect attempt {} failed ({}); retrying in {} ms", done + 1,
                      failure->error.message, delay.count());
        if (!cancellable_wait(delay, cancelled)) return failure->error;
    }
}

transport_options within(const transport_options& options, const time_budget& budget) {
    transport_options capped = options;
    if (!budget.bounded()) return capped;
    capped.connect_timeout =
        std::max(std::chrono::milliseconds(1),
                 budget.cap(options.connect_timeout, std::chrono::steady_clock::now()));
    capped.not_after = std::min(options.not_after, budget.until());
    return capped;
}

std::string_view phase_of(connect_stage stage) {
    switch (stage) {
        case connect_stage::authentication:
            return "auth";
        case connect_stage::netconf:
            return "connect (NETCONF hello)";
        default:
            return "connect";
    }
}

std::variant<ssh_connection, router_error> open_with_retries(const device& target,
                                                             const transport_options& options,
                                                             const std::atomic<bool>& cancelled,
                                                             const time_budget& budget) {
    std::optional<ssh_connection> connection;
    auto error = with_connect_retries(
        [&]() -> std::optional<connect_failure> {
            connect_failure failure;
            auto opened =
                ssh_connection::open(target, within(options, budget), cancelled, &failure.stage);
            if (auto* open = std::get_if<ssh_connection>(&opened)) {
                connection = std::move(*open);
                return std::nullopt;
            }
            failure.error = std::move(std::get<router_error>(opened));
            return failure;
        },
        options.connect_retries, options.connect_backoff, cancelled, budget,
        options.connect_timeout);
    if (error) return *std::move(error);
    return std::move(*connection);
}

}  // namespace fanout::daemon
