#include "daemon/scheduling/job_controls.hpp"

#include <algorithm>

namespace fanout::daemon {

std::string_view to_string(stop_rule rule) {
    switch (rule) {
        case stop_rule::stop_after_failures:
            return "stop_after_failures";
        case stop_rule::max_fail_percent:
            return "max_fail_percent";
        case stop_rule::canary:
            return "canary";
    }
    return "";
}

std::optional<stop_rule> stop_rule_from(std::string_view name) {
    for (auto rule :
         {stop_rule::stop_after_failures, stop_rule::max_fail_percent, stop_rule::canary})
        if (to_string(rule) == name) return rule;
    return std::nullopt;
}

job_controls::job_controls(const protocol::execution_controls& controls, std::size_t routers)
    : spec_(controls),
      routers_(routers),
      canary_(controls.canary ? std::min<std::size_t>(*controls.canary, routers) : 0),
      failed_(routers, 0),
      succeeded_(routers, 0) {}

bool job_controls::may_start(std::size_t router, std::size_t running) const {
    if (stopped_by_) return false;
    if (spec_.max_parallel && running >= *spec_.max_parallel) return false;
    return router < canary_ || canary_passed();
}

std::optional<stop_rule> job_controls::router_failed(std::size_t router, std::string_view name,
                                                     bool routers_waiting) {
    if (router >= routers_ || failed_[router]) return std::nullopt;
    failed_[router] = 1;
    ++failed_routers_;
    if (stopped_by_ || !routers_waiting) return std::nullopt;
    const std::string who = "router " + std::string(name) + " failed";
    if (router < canary_ && !canary_passed())
        return stop(stop_rule::canary, "not started: the canary failed (" + who +
                                           ", one of the first " + std::to_string(canary_) +
                                           " routers; canary=" + std::to_string(*spec_.canary) +
                                           ")");
    const std::string tally = std::to_string(failed_routers_) + " of " + std::to_string(routers_) +
                              " routers failed, the last " + std::string(name);
    if (spec_.stop_after_failures && failed_routers_ >= *spec_.stop_after_failures)
        return stop(stop_rule::stop_after_failures,
                    "not started: the job was stopped by its rule stop_after_failures=" +
                        std::to_string(*spec_.stop_after_failures) + " (" + tally + ")");
    if (spec_.max_fail_percent && failed_routers_ * 100 >= *spec_.max_fail_percent * routers_)
        return stop(stop_rule::max_fail_percent,
                    "not started: the job was stopped by its rule max_fail_percent=" +
                        std::to_string(*spec_.max_fail_percent) + " (" + tally + ")");
    return std::nullopt;
}

bool job_controls::router_succeeded(std::size_t router) {
    if (router >= routers_ || failed_[router] || succeeded_[router]) return false;
    succeeded_[router] = 1;
    if (router >= canary_) return false;
    ++canary_ok_;
    return canary_ok_ == canary_;
}

void job_controls::mark_stopped(stop_rule rule, std::string reason) {
    if (stopped_by_) return;
    if (reason.empty())
        reason = "not started: the job was stopped by its rule " + std::string(to_string(rule));
    stop(rule, std::move(reason));
}

std::optional<stop_rule> job_controls::stop(stop_rule rule, std::string reason) {
    stopped_by_ = rule;
    reason_ = std::move(reason);
    return rule;
}

}  // namespace fanout::daemon
