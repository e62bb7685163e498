#include "daemon/journal/recovery.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "daemon/journal/journal_log.hpp"
#include "daemon/scheduling/job_deadline.hpp"
#include "daemon/scheduling/job_digest.hpp"
#include "protocol/codec.hpp"

namespace fanout::daemon {
namespace {

using nlohmann::json;
using clock_type = std::chrono::system_clock;

clock_type::time_point from_unix_ms(std::int64_t ms) {
    return clock_type::time_point(std::chrono::milliseconds(ms));
}

struct job_trace {
    resumed_job job;
    std::map<std::string, std::size_t, std::less<>> router_index;
    std::vector<bool> started;
    bool ended = false;
};

class replay {
  public:
    explicit replay(bool rerun) : rerun_(rerun) {}

    void apply(const journal_record& record) {
        if (record.type == unreadable_record) return apply_unreadable(record.body);
        if (record.type == record_type::result) return apply_result(record.body);
        if (record.type == record_type::ended_job) return apply_ended_job(record.body);
        json body = json::from_msgpack(record.body);
        switch (record.type) {
            case record_type::accepted:
                return apply_accepted(body);
            case record_type::started:
                if (auto* t = find(body.at("id").get<std::string>())) {
                    auto router = body.at("router").get<std::size_t>();
                    if (router < t->started.size()) t->started[router] = true;
                }
                return;
            case record_type::cancelled:
                if (auto* t = find(body.at("id").get<std::string>())) apply_cancelled(*t, body);
                return;
            case record_type::ended:
                return apply_ended(body);
            case record_type::forgotten:  // left retention before the restart (issue 13)
                return forget_ended(body.at("id").get<std::string>());
            case record_type::audited:  // its audit job_end is written (docs/audit.md)
                return apply_audited(body.at("id").get<std::string>());
            case snapshot_marker:
                next_seq_ = std::max(next_seq_, body.at("next_seq").get<std::uint64_t>());
                return;
            default:
                spdlog::warn("journal: unknown record type {:d}; skipped", int(record.type));
        }
    }

    recovered_state finish() {
        recovered_state out;
        out.next_seq = next_seq_;
        out.ended = std::move(ended_);
        for (auto& t : traces_) {
            if (t.ended || by_id_.at(t.job.id) != static_cast<std::size_t>(&t - traces_.data()))
                continue;
            resume(t);
            out.resumed.push_back(std::move(t.job));
        }
        for (const auto& id : orphans_)
            if (!by_id_.count(id))
                spdlog::error(
                    "journal: job {} has records after unreadable ones, but its `accepted` "
                    "record was lost: it cannot be resumed or fetched, and none of its routers "
                    "runs again",
                    id);
        return out;
    }

  private:
    job_trace* find(const std::string& id) {
        auto it = by_id_.find(id);
        if (it == by_id_.end()) {
            if (unreadable_seen_) orphans_.insert(id);
            return nullptr;
        }
        if (traces_[it->second].ended) return nullptr;
        return &traces_[it->second];
    }

    // Records were lost here. Any of them may have been a router's `started`, a cancel or a
    // result of a job running then: such a job keeps the results that were read, and none of
    // its other routers runs again (they are reported interrupted) unless rerun_interrupted.
    void apply_unreadable(const std::string& where) {
        unreadable_seen_ = true;
        std::size_t running = 0;
        for (auto& t : traces_) {
            if (t.ended || t.job.damaged) continue;
            t.job.damaged = true;
            ++running;
        }
        spdlog::error(
            "journal: records lost ({}); the jobs running then ({}) keep the results that were "
            "read, and their routers without one are {}",
            where, running,
            rerun_ ? "run again (--rerun-interrupted)" : "reported interrupted, never run again");
    }

    // Newest first: a job's end is audited soon after it ends, so the search stops near the back.
    void apply_audited(const std::string& id) {
        for (auto k = ended_.rbegin(); k != ended_.rend(); ++k) {
            if (k->result->job_id != id) continue;
            k->audit_owed = false;
            return;
        }
    }

    void forget_ended(const std::string& id) {
        ended_.erase(std::remove_if(ended_.begin(), ended_.end(),
                                    [&](const kept_job& k) { return k.result->job_id == id; }),
                     ended_.end());
    }

    // A cancel, or a stop by the job's rule (execution controls), which a cancel may follow.
    static void apply_cancelled(job_trace& t, const json& body) {
        if (!body.contains("stopped_by")) {
            t.job.cancelled = true;
            return;
        }
        t.job.stopped_by = body.at("stopped_by").get<std::string>();
        t.job.stop_reason = body.value("reason", std::string());
        if (body.value("cancel", false)) t.job.cancelled = true;
    }

    static protocol::execution_controls controls_of(const json& body) {
        protocol::execution_controls c;
        auto it = body.find("controls");
        if (it == body.end()) return c;
        auto read = [&](const char* key, std::optional<std::uint64_t>& out) {
            if (it->contains(key)) out = it->at(key).get<std::uint64_t>();
        };
        read("max_parallel", c.max_parallel);
        read("stop_after_failures", c.stop_after_failures);
        read("max_fail_percent", c.max_fail_percent);
        read("canary", c.canary);
        return c;
    }

    void apply_accepted(const json& body) {
        job_trace t;
        t.job.id = body.at("id").get<std::string>();
        t.job.commands = body.at("commands").get<std::vector<std::string>>();
        t.job.single_command = body.at("single").get<bool>();
        t.job.routers = body.at("routers").get<std::vector<std::string>>();
        t.job.timeout = std::chrono::milliseconds(body.at("timeout_ms").get<std::int64_t>());
        if (body.contains("format")) {
            auto format = protocol::output_format_from(body.at("format").get<std::string>());
            if (!format) throw std::invalid_argument("unknown format");
            t.job.format = *format;
        }
        if (body.contains("deadline_ms"))  // issue 13
            t.job.deadline = std::chrono::milliseconds(body.at("deadline_ms").get<std::int64_t>());
        t.job.accepted_at = from_unix_ms(body.at("at_ms").get<std::int64_t>());
        if (body.contains("submitted_by"))  // audit (issue 14)
            t.job.submitted_by = body.at("submitted_by").get<std::string>();
        if (body.contains("requested_by"))
            t.job.requested_by = body.at("requested_by").get<std::string>();
        t.job.controls = controls_of(body);
        if (t.job.commands.empty()) throw std::invalid_argument("job without commands");
        t.job.digest = job_digest(t.job.commands, t.job.single_command, t.job.routers,
                                  t.job.timeout, t.job.format, t.job.controls);
        t.job.digest = digest_with_deadline(std::move(t.job.digest), t.job.deadline);
        for (std::size_t i = 0; i < t.job.routers.size(); ++i)
            t.router_index.emplace(t.job.routers[i], i);
        t.job.results.resize(t.job.routers.size() * t.job.commands.size());
        t.started.assign(t.job.routers.size(), false);
        forget_ended(t.job.id);  // an expired id used again
        traces_.push_back(std::move(t));
        by_id_[traces_.back().job.id] = traces_.size() - 1;
    }

    void apply_result(const std::string& body) {
        auto decoded = protocol::decode_published(body);
        auto* r = std::get_if<protocol::router_result>(&decoded);
        if (!r) throw std::invalid_argument("undecodable router result");
        next_seq_ = std::max(next_seq_, r->seq + 1);
        auto* t = find(r->job_id);
        if (!t) return;
        auto router = t->router_index.find(r->router_name);
        if (router == t->router_index.end() || r->command_index >= t->job.commands.size()) return;
        auto& slot = t->job.results[router->second * t->job.commands.size() + r->command_index];
        if (!slot) slot = std::move(*r);
    }

    void apply_ended(const json& body) {
        auto* t = find(body.at("id").get<std::string>());
        if (!t) return;
        auto& j = t->job;
        if (std::any_of(j.results.begin(), j.results.end(), [](auto& r) { return !r; })) {
            spdlog::warn("journal: job {} ended with results missing; resuming it", j.id);
            return;
        }
        auto aggregate = std::make_shared<protocol::job_result>();
        aggregate->job_id = j.id;
        aggregate->submitted_by = j.submitted_by;  // audit (issue 14)
        aggregate->requested_by = j.requested_by;
        aggregate->state = protocol::job_state_from(body.at("state").get<std::string>())
                               .value_or(protocol::job_state::done);
        aggregate->stopped_by = body.value("stopped_by", std::string());
        auto& s = aggregate->summary;
        s.commands = j.commands;
        s.single_command = j.single_command;
        s.total_routers = j.routers.size();
        s.total = j.results.size();
        s.total_duration = body.at("duration").get<double>();
        if (j.deadline) s.deadline = std::chrono::duration<double>(*j.deadline).count();
        for (auto& r : j.results) {
            s.successful += r->status == protocol::router_status::success;
            s.failed += r->status == protocol::router_status::failed;
            s.cancelled += r->status == protocol::router_status::cancelled;
            aggregate->results.push_back(std::move(*r));
        }
        t->ended = true;
        ended_.push_back({aggregate, from_unix_ms(body.at("at_ms").get<std::int64_t>()), j.digest,
                          body.value("audit", false)});
    }

    void apply_ended_job(const std::string& body) {
        json wrapper = json::from_msgpack(body);
        const auto& bytes = wrapper.at("job").get_binary();
        auto decoded = protocol::decode_published(std::string(bytes.begin(), bytes.end()));
        auto* aggregate = std::get_if<protocol::job_result>(&decoded);
        if (!aggregate) throw std::invalid_argument("undecodable job_result");
        for (const auto& r : aggregate->results) next_seq_ = std::max(next_seq_, r.seq + 1);
        forget_ended(aggregate->job_id);
        std::string digest;
        if (auto it = wrapper.find("digest"); it != wrapper.end() && it->is_string())
            digest = it->get<std::string>();
        ended_.push_back({std::make_shared<protocol::job_result>(std::move(*aggregate)),
                          from_unix_ms(wrapper.at("at_ms").get<std::int64_t>()), std::move(digest),
                          wrapper.value("audit", false)});
    }

    void resume(job_trace& t) {
        auto& j = t.job;
        const auto per_router = j.commands.size();
        for (std::size_t i = 0; i < j.routers.size(); ++i) {
            auto first = j.results.begin() + static_cast<std::ptrdiff_t>(i * per_router);
            auto last = first + static_cast<std::ptrdiff_t>(per_router);
            if (std::all_of(first, last, [](auto& r) { return r.has_value(); })) continue;
            if ((t.started[i] || j.damaged) && !rerun_) {
                j.interrupted.push_back(i);
                continue;
            }
            std::for_each(first, last, [](auto& r) { r.reset(); });
            j.to_run.push_back(i);
        }
    }

    const bool rerun_;
    bool unreadable_seen_ = false;
    std::set<std::string> orphans_;  // ids seen after lost records, maybe of a lost `accepted`
    std::uint64_t next_seq_ = 1;
    std::vector<job_trace> traces_;
    std::map<std::string, std::size_t, std::less<>> by_id_;
    std::vector<kept_job> ended_;
};

}  // namespace

recovered_state recover(const std::vector<journal_record>& records, bool rerun_interrupted) {
    replay state(rerun_interrupted);
    for (std::size_t i = 0; i < records.size(); ++i) {
        try {
            state.apply(records[i]);
        } catch (const std::exception& e) {
            spdlog::warn("journal: record {} (type '{}') cannot be read ({}); skipped", i,
                         records[i].type, e.what());
        }
    }
    return state.finish();
}

}  // namespace fanout::daemon
