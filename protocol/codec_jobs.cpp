#include "protocol/codec_jobs.hpp"

#include "protocol/limits.hpp"

namespace fanout::protocol::detail {
namespace {

void pack_uint_field(packer& p, std::string_view key, std::uint64_t value) {
    pack_key(p, key);
    p.pack_uint64(value);
}

void pack_string_field(packer& p, std::string_view key, std::string_view value) {
    pack_key(p, key);
    pack_string(p, value);
}

std::uint64_t uint_of(const map_reader& m, std::string_view key) {
    return read_uint(m.require(key), m.field(key));
}

std::string string_of(const map_reader& m, std::string_view key) {
    return std::string(read_string(m.require(key), m.field(key)));
}

job_state state_of(const msgpack::object& o, const std::string& field) {
    const std::string_view text = read_string(o, field);
    const auto state = job_state_from(text);
    if (!state) {
        fail(error_code::bad_request,
             field + ": must be queued, running, done or cancelled, got " + quote_untrusted(text));
    }
    return *state;
}

// A job entry's optional fields (audit, execution controls), written only when set.
std::uint32_t optional_count(const job_entry& j) {
    return (j.submitted_by.empty() ? 0 : 1) + (j.requested_by.empty() ? 0 : 1) +
           (j.stopped_by.empty() ? 0 : 1) + (j.deadline ? 1 : 0);
}

void pack_optional_fields(packer& p, const job_entry& j) {
    if (!j.submitted_by.empty()) pack_string_field(p, "submitted_by", j.submitted_by);
    if (!j.requested_by.empty()) pack_string_field(p, "requested_by", j.requested_by);
    if (!j.stopped_by.empty()) pack_string_field(p, "stopped_by", j.stopped_by);
    if (j.deadline) {
        pack_key(p, "deadline");
        pack_float64(p, *j.deadline);
    }
}

// Absent or nil: empty (a daemon before they were listed, or a job without them).
std::string optional_string_of(const map_reader& m, std::string_view key) {
    const auto* value = m.find_non_nil(key);
    return value ? std::string(read_string(*value, m.field(key))) : std::string();
}

}  // namespace

void pack_jobs_request(packer& p, const jobs_request& r) {
    p.pack_map(1 + (r.limit ? 1 : 0) + (r.state ? 1 : 0) + (r.job_id ? 1 : 0));
    pack_string_field(p, "type", "jobs");
    if (r.limit) pack_uint_field(p, "limit", *r.limit);
    if (r.state) pack_string_field(p, "state", to_string(*r.state));
    if (r.job_id) pack_string_field(p, "job_id", *r.job_id);
}

void pack_jobs_reply(packer& p, const jobs_reply& r) {
    p.pack_map(4 + (r.node.empty() ? 0 : 1));
    pack_string_field(p, "type", "jobs");
    pack_uint_field(p, "matched", r.matched);
    pack_key(p, "more");
    p.pack(r.more);
    pack_key(p, "jobs");
    p.pack_array(static_cast<std::uint32_t>(r.jobs.size()));
    for (const auto& j : r.jobs) {
        p.pack_map(11 + optional_count(j));
        pack_string_field(p, "job_id", j.job_id);
        pack_string_field(p, "state", to_string(j.state));
        pack_string_field(p, "submitted_at", j.submitted_at);
        pack_string_field(p, "command", j.command);
        pack_uint_field(p, "command_count", j.command_count);
        pack_uint_field(p, "total_routers", j.total_routers);
        pack_uint_field(p, "total", j.total);
        pack_uint_field(p, "completed", j.completed);
        pack_uint_field(p, "successful", j.successful);
        pack_uint_field(p, "failed", j.failed);
        pack_uint_field(p, "cancelled", j.cancelled);
        pack_optional_fields(p, j);
    }
    if (!r.node.empty()) pack_string_field(p, "node", r.node);  // after `jobs`: old readers skip it
}

jobs_request read_jobs_request(const map_reader& m) {
    m.reject_unknown_keys({"type", "limit", "state", "job_id"}, "jobs");
    jobs_request r;
    if (const auto* limit = m.find_non_nil("limit")) {
        r.limit = read_uint(*limit, "limit");
        if (*r.limit == 0 || *r.limit > max_jobs_listed) {
            fail(error_code::bad_request, "limit: must be from 1 to max_jobs_listed (" +
                                              std::to_string(max_jobs_listed) + "), got " +
                                              std::to_string(*r.limit));
        }
    }
    if (const auto* state = m.find_non_nil("state")) r.state = state_of(*state, "state");
    if (const auto* id = m.find_non_nil("job_id")) {
        const std::string_view text = read_string(*id, "job_id");
        if (!is_valid_job_id_to_look_up(text))
            fail(
                error_code::bad_request,
                "job_id: must be 1-64 characters of [A-Za-z0-9._:-], got " + quote_untrusted(text));
        r.job_id = std::string(text);
    }
    return r;
}

jobs_reply read_jobs_reply(const map_reader& m) {
    jobs_reply r;
    r.matched = uint_of(m, "matched");
    r.more = read_bool(m.require("more"), m.field("more"));
    const auto list = read_array(m.require("jobs"), "jobs");
    r.jobs.reserve(list.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string prefix = "jobs[" + std::to_string(i) + "]";
        const map_reader e(list[i], prefix, prefix);
        job_entry j;
        j.job_id = string_of(e, "job_id");
        j.state = state_of(e.require("state"), e.field("state"));
        j.submitted_at = string_of(e, "submitted_at");
        j.command = string_of(e, "command");
        j.command_count = uint_of(e, "command_count");
        j.total_routers = uint_of(e, "total_routers");
        j.total = uint_of(e, "total");
        j.completed = uint_of(e, "completed");
        j.successful = uint_of(e, "successful");
        j.failed = uint_of(e, "failed");
        j.cancelled = uint_of(e, "cancelled");
        j.submitted_by = optional_string_of(e, "submitted_by");
        j.requested_by = optional_string_of(e, "requested_by");
        j.stopped_by = optional_string_of(e, "stopped_by");
        if (const auto* deadline = e.find_non_nil("deadline"))
            j.deadline = read_number(*deadline, e.field("deadline"));
        r.jobs.push_back(std::move(j));
    }
    r.node = optional_string_of(m, "node");
    return r;
}

}  // namespace fanout::protocol::detail
