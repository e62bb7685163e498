#include "daemon/api/request_handler.hpp"

#include <spdlog/spdlog.h>

#include "daemon/api/submit_metrics.hpp"
#include "daemon/scheduling/job_deadline.hpp"
#include "fanout/version.hpp"
#include "protocol/codec.hpp"

namespace fanout::daemon {

using protocol::error_code;
using protocol::error_reply;

namespace {

std::string now(const auto& reply) {
    return protocol::encode_reply(reply);
}

error_reply not_found(const std::string& id) {
    return error_reply{error_code::not_found, "no job '" + id + "' (unknown or expired)", id, {}};
}

}  // namespace

request_handler::request_handler(request_settings settings, scheduler& tasks,
                                 std::shared_ptr<const inventory> devices,
                                 std::shared_ptr<const command_policy> policy, daemon_gauges gauges)
    : settings_(std::move(settings)),
      tasks_(tasks),
      devices_(std::move(devices)),
      policy_(std::move(policy)),
      gauges_(std::move(gauges)),
      started_at_(std::chrono::steady_clock::now()) {}

void request_handler::replace_inventory(std::shared_ptr<const inventory> devices) {
    devices_.store(std::move(devices));
}

void request_handler::replace_command_policy(std::shared_ptr<const command_policy> policy) {
    policy_.store(std::move(policy));
}

request_handler::answer request_handler::handle(std::string_view body) {
    return handle(body, std::string(local_principal));
}

request_handler::answer request_handler::handle(std::string_view body, const std::string& who) {
    auto decoded = protocol::decode_request(body, settings_.limits);
    if (auto* error = std::get_if<error_reply>(&decoded)) {
        // Audit (issue 14): the type is unknown here, so every undecodable request is recorded.
        audit_->refused({who, std::nullopt}, "", *error);
        metrics::record_job_refused(protocol::to_string(error->code));  // metrics (any request)
        return {now(*error), {}};
    }
    auto& request = std::get<protocol::request>(decoded);
    if (auto* submit_request = std::get_if<protocol::submit_request>(&request))
        return submit(*submit_request, {who, submit_request->requested_by});
    if (auto* status = std::get_if<protocol::status_request>(&request)) {
        auto s = tasks_.status(status->job_id);
        return {s ? now(*s) : now(not_found(status->job_id)), {}};
    }
    if (auto* cancel = std::get_if<protocol::cancel_request>(&request)) {
        auto s = tasks_.cancel(cancel->job_id);
        audit_->cancelled({who, std::nullopt}, cancel->job_id, s);  // issue 14
        return {s ? now(*s) : now(not_found(cancel->job_id)), {}, s.has_value()};
    }
    if (auto* result = std::get_if<protocol::result_request>(&request)) {
        auto r = tasks_.result(result->job_id);
        if (auto* aggregate = std::get_if<std::shared_ptr<const protocol::job_result>>(&r))
            return {protocol::encode_job_result(**aggregate), {}};
        if (auto* s = std::get_if<protocol::status_reply>(&r)) return {now(*s), {}};
        return {now(not_found(result->job_id)), {}};
    }
    if (auto* replay = std::get_if<protocol::replay_request>(&request)) {
        auto page = tasks_.replay(*replay);
        return {page ? now(protocol::reply(std::move(*page))) : now(not_found(*replay->job_id)),
                {}};
    }
    if (auto* list = std::get_if<protocol::jobs_request>(&request)) {  // issue 13
        auto page = tasks_.jobs(*list);
        return {page ? now(protocol::reply(std::move(*page))) : now(not_found(*list->job_id)), {}};
    }
    if (std::holds_alternative<protocol::ping_request>(request)) return {pong(), {}};
    return {routers(), {}};
}

// Audit (issue 14): every outcome of a submit is recorded before the answer goes out; while the
// audit file cannot be written, submits are refused (audit_trail.hpp).
request_handler::answer request_handler::submit(protocol::submit_request& request,
                                                const audit_principal& who) {
    const auto received = std::chrono::system_clock::now();
    if (!audit_->ready()) {
        error_reply busy{error_code::busy,
                         "the audit log (--audit-log) cannot be written (disk full? see fanoutd's "
                         "log); retry later",
                         request.job_id,
                         {}};
        audit_->refused(who, "submit", busy);
        count_submit(busy);  // metrics
        return {now(busy), {}};
    }
    auto outcome = admit(request, who);
    count_submit(outcome);  // metrics
    if (auto* error = std::get_if<error_reply>(&outcome)) {
        audit_->refused(who, "submit", *error);
        return {now(*error), {}};
    }
    auto& accepted = std::get<protocol::accepted_reply>(outcome);
    audit_->submitted(who, accepted.job_id, request.commands, request.routers.size(),
                      !accepted.first_accepted_at.empty(), received);
    if (!request.wait) return {now(accepted), {}, true};
    // A resubmit may name a job that has ended: its job_result is the answer, now. A job still
    // active cannot end before intake next drains completions, so no race here.
    auto known = tasks_.result(accepted.job_id);
    if (auto* aggregate = std::get_if<std::shared_ptr<const protocol::job_result>>(&known)) {
        if (accepted.first_accepted_at.empty())
            return {protocol::encode_job_result(**aggregate), {}, true};
        // An answer to a resubmit says so: one copy of the aggregate, for this reply only.
        protocol::job_result old = **aggregate;
        old.first_accepted_at = accepted.first_accepted_at;
        return {protocol::encode_job_result(old), {}, true};
    }
    if (std::holds_alternative<std::monostate>(known))  // ended and evicted in between
        return {now(accepted), {}, true};
    return {{}, accepted.job_id, true};
}

std::variant<protocol::accepted_reply, error_reply> request_handler::admit(
    const protocol::submit_request& request, const audit_principal& who) {
    // Before anything else: a refused job never reaches the scheduler, let alone a router.
    const auto policy = policy_.load();
    for (std::size_t i = 0; i < request.commands.size(); ++i) {
        auto refusal = policy->check(request.commands[i]);
        if (!refusal) continue;
        std::string message = (request.single_command ? std::string("command ")
                                                      : "commands[" + std::to_string(i) + "] ") +
                              command_excerpt(request.commands[i]) +
                              " is forbidden by the command policy: " + *refusal +
                              "; the job was rejected";
        spdlog::info("intake: refused job {}: {}", request.job_id.value_or("(no id)"), message);
        return error_reply{error_code::forbidden_command, message, request.job_id, {}};
    }
    job_spec spec;
    spec.id = request.job_id;
    spec.single_command = request.single_command;
    spec.format = request.format;
    spec.submitted_by = who.by;  // audit (issue 14)
    spec.requested_by = who.requested_by.value_or("");
    spec.devices = devices_.load();  // one snapshot for the whole submit
    spec.timeout = request.timeout ? std::chrono::ceil<std::chrono::milliseconds>(
                                         std::chrono::duration<double>(*request.timeout))
                                   : settings_.command_timeout;
    // Execution controls (daemon/scheduling/job_controls.hpp).
    spec.controls = request.controls;
    spec.deadline = deadline_of(request.deadline);  // issue 13
    std::vector<std::string> unknown;
    std::string bastion;  // the first bastion named, if any: jobs cannot target bastions
    spec.routers.reserve(request.routers.size());
    for (const auto& name : request.routers) {
        const device* d = spec.devices->find(name);
        if (d && !d->bastion) {
            spec.routers.push_back(d);
            continue;
        }
        if (d && bastion.empty()) bastion = name;
        unknown.push_back(name);
    }
    if (!unknown.empty()) {
        std::string message =
            std::to_string(unknown.size()) + " router(s) not found in the inventory" +
            (bastion.empty() ? std::string()
                             : " ('" + bastion + "' is a bastion, which jobs cannot target)") +
            "; the job was rejected";
        return error_reply{error_code::unknown_routers, message, request.job_id,
                           std::move(unknown)};
    }
    spec.commands = request.commands;  // kept for the audit record
    return tasks_.submit(std::move(spec));
}

std::string request_handler::pong() {
    auto stats = tasks_.stats();
    protocol::pong_reply pong{
        std::string(fanout_version),
        settings_.workers,
        gauges_.busy_workers(),
        stats.queued_jobs,
        stats.running_jobs,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at_).count(),
        gauges_.sessions(),
        settings_.node_id,
        settings_.advertise_endpoint,
        gauges_.bastions()};
    return now(pong);
}

std::string request_handler::routers() const {
    protocol::routers_reply routers;
    for (const auto& d : devices_.load()->devices())
        if (!d.bastion)  // jobs cannot target a bastion: never offered (fanoutctl -r all)
            routers.routers.push_back({d.name, d.ip, d.port, d.username, d.groups});
    return now(routers);
}

}  // namespace fanout::daemon
