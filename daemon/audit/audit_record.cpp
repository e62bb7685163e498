#include "daemon/audit/audit_record.hpp"

#include <chrono>

#include <nlohmann/json.hpp>

#include "daemon/scheduling/clock.hpp"

namespace fanout::daemon {
namespace {

using nlohmann::json;

json base(std::string_view event,
          std::chrono::system_clock::time_point at = std::chrono::system_clock::now()) {
    return json{{"time", iso8601_utc(at)}, {"event", std::string(event)}};
}

void add_principal(json& record, const audit_principal& who) {
    record["by"] = who.by;
    if (who.requested_by) record["requested_by"] = *who.requested_by;
}

std::string text_of(const json& record) {
    return record.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string submit_record(const audit_principal& who, const std::string& job_id,
                          const std::vector<std::string>& commands, std::size_t routers,
                          bool resubmit, std::chrono::system_clock::time_point received) {
    auto record = base("submit", received);
    record["job_id"] = job_id;
    add_principal(record, who);
    record["commands"] = commands;
    record["routers"] = routers;
    record["resubmit"] = resubmit;
    return text_of(record);
}

std::string refusal_record(const audit_principal& who, std::string_view request,
                           const protocol::error_reply& error) {
    auto record = base("refusal");
    if (error.job_id) record["job_id"] = *error.job_id;
    add_principal(record, who);
    if (!request.empty()) record["request"] = std::string(request);
    record["code"] = std::string(protocol::to_string(error.code));
    record["message"] = error.message;
    return text_of(record);
}

std::string cancel_record(const audit_principal& who, const std::string& job_id,
                          const std::optional<protocol::status_reply>& job) {
    auto record = base("cancel");
    record["job_id"] = job_id;
    add_principal(record, who);
    record["found"] = job.has_value();
    if (job) {
        record["state"] = std::string(protocol::to_string(job->state));
        if (!job->submitted_by.empty()) record["submitted_by"] = job->submitted_by;
        if (!job->requested_by.empty()) record["job_requested_by"] = job->requested_by;
    }
    return text_of(record);
}

std::string job_end_record(const protocol::job_result& job, bool recovered) {
    auto record = base("job_end");
    record["job_id"] = job.job_id;
    if (!job.submitted_by.empty()) record["submitted_by"] = job.submitted_by;
    if (!job.requested_by.empty()) record["requested_by"] = job.requested_by;
    record["state"] = std::string(protocol::to_string(job.state));
    if (!job.stopped_by.empty()) record["stopped_by"] = job.stopped_by;  // execution controls
    const auto& s = job.summary;
    record["routers"] = s.total_routers;
    record["total"] = s.total;
    record["successful"] = s.successful;
    record["failed"] = s.failed;
    record["cancelled"] = s.cancelled;
    record["duration"] = s.total_duration;
    if (recovered) record["recovered"] = true;
    return text_of(record);
}

std::string records_lost_record(std::uint64_t count) {
    auto record = base("audit_records_lost");
    record["count"] = count;
    return text_of(record);
}

}  // namespace fanout::daemon
