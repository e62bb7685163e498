#include "daemon/journal/journal_log.hpp"

#include <nlohmann/json.hpp>

#include "protocol/codec.hpp"

namespace fanout::daemon {
namespace {

using nlohmann::json;

std::int64_t unix_ms(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string body_of(const json& j) {
    auto bytes = json::to_msgpack(j);
    return std::string(bytes.begin(), bytes.end());
}

}  // namespace

std::uint64_t journal_log::job_accepted(const job& j, std::chrono::system_clock::time_point at) {
    json routers = json::array();
    for (const auto* d : j.routers) routers.push_back(d->name);
    json body{{"id", j.id},
              {"commands", j.commands},
              {"single", j.single_command},
              {"routers", std::move(routers)},
              {"timeout_ms", j.timeout.count()},
              {"at_ms", unix_ms(at)}};
    // Only when not text: journals written before `format` existed read the same.
    if (j.format != protocol::output_format::text)
        body["format"] = std::string(protocol::to_string(j.format));
    // Audit (issue 14): only when set, so older journals read the same.
    if (!j.submitted_by.empty()) body["submitted_by"] = j.submitted_by;
    if (!j.requested_by.empty()) body["requested_by"] = j.requested_by;
    // Execution controls: only those set, only when any is (older journals read the same).
    if (const auto& c = j.controls.spec(); c.any()) {
        json controls = json::object();
        if (c.max_parallel) controls["max_parallel"] = *c.max_parallel;
        if (c.stop_after_failures) controls["stop_after_failures"] = *c.stop_after_failures;
        if (c.max_fail_percent) controls["max_fail_percent"] = *c.max_fail_percent;
        if (c.canary) controls["canary"] = *c.canary;
        body["controls"] = std::move(controls);
    }
    if (j.deadline) body["deadline_ms"] = j.deadline->count();  // issue 13, only when set
    return file_.append(record_type::accepted, body_of(body));
}

std::uint64_t journal_log::router_started(const job& j, std::size_t router_index) {
    return file_.append(record_type::started, body_of({{"id", j.id}, {"router", router_index}}));
}

std::uint64_t journal_log::router_result(const protocol::router_result& r) {
    return file_.append(record_type::result, protocol::encode_router_result(r));
}

std::uint64_t journal_log::job_cancelled(const job& j) {
    json body{{"id", j.id}};
    if (auto rule = j.controls.stopped_by()) {  // stopped by its rule, not (only) cancelled
        body["stopped_by"] = std::string(to_string(*rule));
        body["reason"] = j.controls.reason();
        body["cancel"] = j.cancelled.load();
    }
    return file_.append(record_type::cancelled, body_of(body));
}

std::uint64_t journal_log::job_ended(const protocol::job_result& aggregate,
                                     std::chrono::system_clock::time_point at) {
    json body{{"id", aggregate.job_id},
              {"state", protocol::to_string(aggregate.state)},
              {"duration", aggregate.summary.total_duration},
              {"at_ms", unix_ms(at)}};
    if (!aggregate.stopped_by.empty()) body["stopped_by"] = aggregate.stopped_by;
    if (!audit_job_ends_) return file_.append(record_type::ended, body_of(body));
    // Only with --audit-log, so that journals without it read the same. Under audit_mutex_, so
    // that the 'U' of job_audited always follows this record.
    body["audit"] = true;
    std::lock_guard guard(audit_mutex_);
    audit_owed_.insert(aggregate.job_id);
    return file_.append(record_type::ended, body_of(body));
}

void journal_log::job_audited(const std::string& job_id) {
    std::lock_guard guard(audit_mutex_);
    if (audit_owed_.erase(job_id) == 0) return;
    file_.append(record_type::audited, body_of({{"id", job_id}}));
}

void journal_log::audit_owed(const std::string& job_id) {
    std::lock_guard guard(audit_mutex_);
    audit_owed_.insert(job_id);
}

bool journal_log::job_end_owed(const std::string& job_id) {
    if (!audit_job_ends_) return false;
    std::lock_guard guard(audit_mutex_);
    return audit_owed_.count(job_id) != 0;
}

std::uint64_t journal_log::job_forgotten(const std::string& job_id) {
    if (audit_job_ends_) {
        std::lock_guard guard(audit_mutex_);
        audit_owed_.erase(job_id);  // a restart does not bring the job back, nor its job_end
    }
    return file_.append(record_type::forgotten, body_of({{"id", job_id}}));
}

void journal_log::snapshot_ended_job(const protocol::job_result& aggregate,
                                     std::chrono::system_clock::time_point ended_at,
                                     const std::string& digest) {
    auto encoded = protocol::encode_job_result(aggregate);
    json::binary_t bytes(std::vector<std::uint8_t>(encoded.begin(), encoded.end()));
    json body{{"at_ms", unix_ms(ended_at)}, {"digest", digest}, {"job", std::move(bytes)}};
    std::lock_guard guard(audit_mutex_);
    if (audit_owed_.count(aggregate.job_id)) body["audit"] = true;  // its job_end is still owed
    file_.append(record_type::ended_job, body_of(body));
}

std::uint64_t journal_log::snapshot_end(std::uint64_t next_seq) {
    return file_.end_snapshot(body_of({{"next_seq", next_seq}}));
}

}  // namespace fanout::daemon
