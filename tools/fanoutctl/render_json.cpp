#include "tools/fanoutctl/render_json.hpp"

namespace fanout::ctl {

using protocol::to_string;

namespace {

// `node` and `control_endpoint`, when the daemon sent them.
template <typename Message>
ordered_json with_owner(ordered_json j, const Message& m) {
    if (!m.node.empty()) j["node"] = m.node;
    if (!m.control_endpoint.empty()) j["control_endpoint"] = m.control_endpoint;
    // Audit (issue 14): `submitted_by` and `requested_by` (status, job_result), when sent.
    if constexpr (requires { m.submitted_by; }) {
        if (!m.submitted_by.empty()) j["submitted_by"] = m.submitted_by;
        if (!m.requested_by.empty()) j["requested_by"] = m.requested_by;
    }
    return j;
}

}  // namespace

ordered_json to_json(const protocol::router_result& r) {
    ordered_json j;
    j["type"] = "router_result";
    j["job_id"] = r.job_id;
    j["router_name"] = r.router_name;
    j["command"] = r.command;
    j["command_index"] = r.command_index;
    j["status"] = to_string(r.status);
    j["output"] = r.output;
    j["stderr"] = r.stderr_output;
    j["exit_status"] = r.exit_status ? ordered_json(*r.exit_status) : ordered_json(nullptr);
    if (r.error) {
        j["error"] = {{"kind", to_string(r.error->kind)}, {"message", r.error->message}};
    }
    j["truncated"] = r.truncated;
    if (r.output_withheld) j["output_withheld"] = true;
    if (r.data) {
        auto data = ordered_json::from_msgpack(*r.data, true, false);
        j["data"] = data.is_discarded() ? ordered_json(nullptr) : std::move(data);
    }
    if (!r.transport.empty()) j["transport"] = r.transport;
    j["execution_duration"] = r.execution_duration;
    j["start_time"] = r.start_time;
    j["end_time"] = r.end_time;
    j["seq"] = r.seq;
    return with_owner(std::move(j), r);
}

ordered_json to_json(const protocol::job_summary& s) {
    ordered_json j;
    if (s.single_command && s.commands.size() == 1) {
        j["command"] = s.commands.front();
    } else {
        j["commands"] = s.commands;
    }
    j["total_routers"] = s.total_routers;
    j["total"] = s.total;
    j["successful"] = s.successful;
    j["failed"] = s.failed;
    j["cancelled"] = s.cancelled;
    j["total_duration"] = s.total_duration;
    if (s.deadline) j["deadline"] = *s.deadline;  // issue 13
    return j;
}

ordered_json to_json(const protocol::job_result& job) {
    ordered_json j;
    j["type"] = "job_result";
    j["job_id"] = job.job_id;
    j["state"] = to_string(job.state);
    j["summary"] = to_json(job.summary);
    j["results"] = ordered_json::array();
    for (const auto& r : job.results) j["results"].push_back(to_json(r));
    j = with_owner(std::move(j), job);
    if (!job.first_accepted_at.empty()) {
        j["resubmit"] = true;
        j["first_accepted_at"] = job.first_accepted_at;
    }
    if (!job.stopped_by.empty()) j["stopped_by"] = job.stopped_by;  // execution controls
    return j;
}

ordered_json to_json(const protocol::status_reply& s) {
    auto j = with_owner({{"type", "status"},
                         {"job_id", s.job_id},
                         {"state", to_string(s.state)},
                         {"total", s.total},
                         {"completed", s.completed},
                         {"successful", s.successful},
                         {"failed", s.failed}},
                        s);
    // Execution controls: only for a job that has them.
    if (!s.stopped_by.empty()) j["stopped_by"] = s.stopped_by;
    if (s.running) j["running"] = *s.running;
    if (s.deadline) j["deadline"] = *s.deadline;  // issue 13
    return j;
}

ordered_json to_json(const protocol::accepted_reply& a) {
    auto j = with_owner({{"type", "accepted"}, {"job_id", a.job_id}, {"total", a.total}}, a);
    if (!a.first_accepted_at.empty()) {
        j["resubmit"] = true;
        j["first_accepted_at"] = a.first_accepted_at;
    }
    return j;
}

ordered_json to_json(const protocol::pong_reply& p) {
    ordered_json out{{"type", "pong"},
                     {"version", p.version},
                     {"workers", p.workers},
                     {"busy_workers", p.busy_workers},
                     {"queued_jobs", p.queued_jobs},
                     {"running_jobs", p.running_jobs},
                     {"uptime", p.uptime}};
    if (const auto& s = p.sessions) {
        out["sessions"] = {{"open", s->open},      {"idle", s->idle},       {"hits", s->hits},
                           {"misses", s->misses},  {"dropped", s->dropped}, {"evicted", s->evicted},
                           {"expired", s->expired}};
        if (s->reopened) out["sessions"]["reopened"] = *s->reopened;
    }
    if (const auto& b = p.bastions) {
        out["bastions"] = {{"sessions", b->sessions},
                           {"channels", b->channels},
                           {"opened", b->opened},
                           {"failed", b->failed},
                           {"dropped", b->dropped},
                           {"expired", b->expired},
                           {"memo_failures", b->memo_failures}};
    }
    return with_owner(std::move(out), p);
}

ordered_json to_json(const protocol::routers_reply& r) {
    ordered_json list = ordered_json::array();
    for (const auto& info : r.routers) {
        list.push_back({{"name", info.name},
                        {"ip", info.ip},
                        {"port", info.port},
                        {"username", info.username}});
        if (!info.groups.empty()) list.back()["groups"] = info.groups;
    }
    return {{"type", "routers"}, {"routers", list}};
}

ordered_json to_json(const protocol::error_reply& e) {
    ordered_json j = {{"type", "error"}, {"code", to_string(e.code)}, {"message", e.message}};
    if (e.job_id) j["job_id"] = *e.job_id;
    if (!e.routers.empty()) j["routers"] = e.routers;
    return j;
}

std::string json_line(const ordered_json& value) {
    return value.dump(-1, ' ', false, ordered_json::error_handler_t::replace) + '\n';
}

}  // namespace fanout::ctl
