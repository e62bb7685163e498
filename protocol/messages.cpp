// Wire names of the protocol v1 enums (PROTOCOL.md lists the same strings).
#include "protocol/messages.hpp"

#include <array>
#include <utility>

namespace fanout::protocol {
namespace {

template <typename Enum, std::size_t N>
using name_table = std::array<std::pair<Enum, std::string_view>, N>;

constexpr name_table<job_state, 4> job_state_names{{
    {job_state::queued, "queued"},
    {job_state::running, "running"},
    {job_state::done, "done"},
    {job_state::cancelled, "cancelled"},
}};

constexpr name_table<router_status, 3> router_status_names{{
    {router_status::success, "success"},
    {router_status::failed, "failed"},
    {router_status::cancelled, "cancelled"},
}};

constexpr name_table<output_format, 3> output_format_names{{
    {output_format::text, "text"},
    {output_format::json, "json"},
    {output_format::xml, "xml"},
}};

constexpr name_table<error_kind, 11> error_kind_names{{
    {error_kind::connect, "connect"},
    {error_kind::auth, "auth"},
    {error_kind::host_key, "host_key"},
    {error_kind::timeout, "timeout"},
    {error_kind::channel, "channel"},
    {error_kind::exit_status, "exit_status"},
    {error_kind::internal, "internal"},
    {error_kind::interrupted, "interrupted"},
    {error_kind::parse, "parse"},
    {error_kind::rpc_error, "rpc_error"},
    {error_kind::stopped, "stopped"},
}};

constexpr name_table<error_code, 7> error_code_names{{
    {error_code::bad_request, "bad_request"},
    {error_code::unknown_routers, "unknown_routers"},
    {error_code::duplicate_job, "duplicate_job"},
    {error_code::busy, "busy"},
    {error_code::not_found, "not_found"},
    {error_code::too_large, "too_large"},
    {error_code::forbidden_command, "forbidden_command"},
}};

template <typename Enum, std::size_t N>
std::string_view name_of(const name_table<Enum, N>& table, Enum value) {
    for (const auto& [candidate, name] : table) {
        if (candidate == value) return name;
    }
    return "unknown";  // only reachable through a cast of an out-of-range integer
}

template <typename Enum, std::size_t N>
std::optional<Enum> value_of(const name_table<Enum, N>& table, std::string_view name) {
    for (const auto& [candidate, candidate_name] : table) {
        if (candidate_name == name) return candidate;
    }
    return std::nullopt;
}

}  // namespace

std::string_view to_string(job_state v) {
    return name_of(job_state_names, v);
}
std::string_view to_string(router_status v) {
    return name_of(router_status_names, v);
}
std::string_view to_string(output_format v) {
    return name_of(output_format_names, v);
}
std::optional<output_format> output_format_from(std::string_view s) {
    return value_of(output_format_names, s);
}
std::string_view to_string(error_kind v) {
    return name_of(error_kind_names, v);
}
std::string_view to_string(error_code v) {
    return name_of(error_code_names, v);
}

std::optional<job_state> job_state_from(std::string_view s) {
    return value_of(job_state_names, s);
}
std::optional<router_status> router_status_from(std::string_view s) {
    return value_of(router_status_names, s);
}
std::optional<error_kind> error_kind_from(std::string_view s) {
    return value_of(error_kind_names, s);
}
std::optional<error_code> error_code_from(std::string_view s) {
    return value_of(error_code_names, s);
}

router_result without_output(const router_result& r) {
    router_result copy;
    copy.job_id = r.job_id;
    copy.router_name = r.router_name;
    copy.command = r.command;
    copy.command_index = r.command_index;
    copy.status = r.status;
    copy.exit_status = r.exit_status;
    copy.error = r.error;
    copy.truncated = r.truncated;
    copy.output_withheld = true;  // data goes too: it is the output, parsed
    copy.execution_duration = r.execution_duration;
    copy.start_time = r.start_time;
    copy.end_time = r.end_time;
    copy.seq = r.seq;
    copy.node = r.node;
    copy.control_endpoint = r.control_endpoint;
    copy.transport = r.transport;
    return copy;
}

job_result without_output(const job_result& job) {
    // Every field but the results' outputs, so a field added to job_result cannot be dropped.
    job_result copy;
    copy.job_id = job.job_id;
    copy.state = job.state;
    copy.summary = job.summary;
    copy.node = job.node;
    copy.control_endpoint = job.control_endpoint;
    copy.first_accepted_at = job.first_accepted_at;
    copy.submitted_by = job.submitted_by;
    copy.requested_by = job.requested_by;
    copy.stopped_by = job.stopped_by;
    copy.results.reserve(job.results.size());
    for (const auto& r : job.results) copy.results.push_back(without_output(r));
    return copy;
}

}  // namespace fanout::protocol
