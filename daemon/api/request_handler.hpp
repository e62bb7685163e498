// The request handler: answers every request type of PROTOCOL.md from one request body, with
// no ZeroMQ in sight. intake (the socket owner) hands it bodies and sends what it returns.
//
// Contract:
// - handle() decodes and validates the body (protocol/codec.hpp) and returns exactly one
//   answer: an encoded reply to send now, or, for a `wait: true` submit of a job still
//   active, the job id whose job_result answers the client once it is published.
// - Every command of a submit is checked against the command policy before anything else; a
//   refused job gets forbidden_command and never reaches the scheduler. Then every router
//   must be in the inventory (else unknown_routers, naming them); only then is it submitted.
//   A bastion ("role": "bastion") counts as unknown, and the message says it is a bastion;
//   `routers` never lists bastions.
// - A resubmit (same job_id and content, scheduler.hpp) of a job that has already ended gets
//   its job_result at once, also with `wait: true`.
// - `pong` names this daemon (settings.node_id, settings.advertise_endpoint).
// - Used by the intake thread only; replace_inventory() and replace_command_policy() may be
//   called from any thread (the SIGHUP path): requests handled after them see the new
//   inventory or policy; accepted jobs keep the inventory they were accepted with.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "daemon/admission/command_policy.hpp"
#include "daemon/admission/inventory.hpp"
#include "daemon/api/audit_trail.hpp"
#include "daemon/scheduling/scheduler.hpp"
#include "protocol/limits.hpp"
#include "protocol/messages.hpp"

namespace fanout::daemon {

struct request_settings {
    protocol::request_limits limits;
    std::chrono::milliseconds command_timeout{60'000};  // when a submit gives no `timeout`
    std::size_t workers = 0;                            // reported by `pong`
    std::string node_id;                                // `pong`'s node (empty: not sent)
    std::string advertise_endpoint;                     // `pong`'s control_endpoint
};

// What `pong` reports of the parts the handler does not own.
struct daemon_gauges {
    std::function<std::size_t()> busy_workers = [] { return std::size_t{0}; };
    std::function<protocol::session_figures()> sessions = [] {
        return protocol::session_figures{};
    };
    std::function<protocol::bastion_figures()> bastions = [] {
        return protocol::bastion_figures{};
    };
};

class request_handler {
  public:
    struct answer {
        std::string reply;     // the encoded reply to send now; empty when wait_for is set
        std::string wait_for;  // set: answer later with this job's encoded job_result
        // A submit or cancel that took effect: its reply must reach the client as sent, never
        // be replaced by `busy` (which would say that nothing happened).
        bool took_effect = false;
    };

    request_handler(request_settings settings, scheduler& tasks,
                    std::shared_ptr<const inventory> devices,
                    std::shared_ptr<const command_policy> policy, daemon_gauges gauges = {});

    answer handle(std::string_view body);
    // Audit (issue 14): `who` is the request's principal (ZAP User-Id, "local", ...); handle()
    // without it is "local". Submits, refusals and cancels are recorded in the audit trail
    // before the answer is returned.
    answer handle(std::string_view body, const std::string& who);
    void set_audit_trail(audit_trail* trail) { audit_ = trail ? trail : &no_audit_; }

    void replace_inventory(std::shared_ptr<const inventory> devices);
    void replace_command_policy(std::shared_ptr<const command_policy> policy);

  private:
    answer submit(protocol::submit_request& request, const audit_principal& who);
    // The checks and the scheduler's answer, unaudited.
    std::variant<protocol::accepted_reply, protocol::error_reply> admit(
        const protocol::submit_request& request, const audit_principal& who);
    std::string pong();
    std::string routers() const;

    const request_settings settings_;
    scheduler& tasks_;
    std::atomic<std::shared_ptr<const inventory>> devices_;
    std::atomic<std::shared_ptr<const command_policy>> policy_;
    daemon_gauges gauges_;
    const std::chrono::steady_clock::time_point started_at_;
    audit_trail no_audit_;             // logs only
    audit_trail* audit_ = &no_audit_;  // issue 14
};

}  // namespace fanout::daemon
