#include "daemon/api/audit_trail.hpp"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace fanout::daemon {
namespace {

std::string requested(const audit_principal& who) {
    return who.requested_by ? " (requested_by " + nlohmann::json(*who.requested_by).dump() + ")"
                            : std::string();
}

}  // namespace

bool audit_trail::append(std::string record, const std::string* job_end_of) {
    std::vector<std::string> written;
    bool ok = false;
    {
        std::lock_guard guard(mutex_);
        // A job_end is never dropped beyond the held limit: it is reported written below.
        ok = record.empty() ? file_->writable()
                            : file_->append(std::move(record), /*droppable=*/job_end_of == nullptr);
        if (job_end_of) owed_.push_back(*job_end_of);
        // append() true: this record and every one before it are on stable storage.
        if (ok) written.swap(owed_);
    }
    if (job_end_written_)
        for (const auto& id : written) job_end_written_(id);
    return ok;
}

bool audit_trail::ready() {
    return !file_ || append(std::string());  // an empty record: only retry the held ones
}

void audit_trail::submitted(const audit_principal& who, const std::string& job_id,
                            const std::vector<std::string>& commands, std::size_t routers,
                            bool resubmit, std::chrono::system_clock::time_point received) {
    spdlog::info(
        "audit: job {} {} by {}{}: {} routers, commands {}", job_id,
        resubmit ? "submitted again (same content, not run again)" : "accepted", who.by,
        requested(who), routers,
        nlohmann::json(commands).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    if (file_) append(submit_record(who, job_id, commands, routers, resubmit, received));
}

void audit_trail::refused(const audit_principal& who, std::string_view request,
                          const protocol::error_reply& error) {
    spdlog::info("audit: refused a {} from {}{}: {}: {}",
                 request.empty() ? "request" : std::string(request), who.by, requested(who),
                 protocol::to_string(error.code), error.message);
    if (file_) append(refusal_record(who, request, error));
}

void audit_trail::cancelled(const audit_principal& who, const std::string& job_id,
                            const std::optional<protocol::status_reply>& job) {
    spdlog::info("audit: cancel of job {} by {}: {}", job_id, who.by,
                 job ? std::string(protocol::to_string(job->state)) : "no such job");
    if (file_) append(cancel_record(who, job_id, job));
}

bool audit_trail::ended(const protocol::job_result& job, bool recovered) {
    return file_ && append(job_end_record(job, recovered), &job.job_id);
}

}  // namespace fanout::daemon
