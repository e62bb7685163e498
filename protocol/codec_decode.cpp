// Client-side decoders: replies from the ROUTER socket and messages from the PUB socket.
//
// Unknown keys are ignored (a later daemon may add fields); known keys must have the right
// type, and every field the encoders always write is required.
#include <limits>
#include <new>

#include "protocol/codec.hpp"
#include "protocol/codec_jobs.hpp"
#include "protocol/msgpack_reader.hpp"

namespace fanout::protocol {
namespace {

using detail::decode_failure;
using detail::fail;
using detail::map_reader;

// Generous but finite: each array entry needs at least one byte of frame, each map entry two.
detail::unpack_policy trusted_unpack_policy(std::size_t frame_size) {
    constexpr std::size_t max_array = 10'000'000;
    constexpr std::size_t max_map = 4096;
    constexpr std::size_t max_bytes = std::size_t{1} << 30;
    constexpr std::size_t max_depth = 80;  // a `data` document may nest 64 deep
    return {
        msgpack::unpack_limit(std::min(max_array, frame_size), std::min(max_map, frame_size / 2),
                              max_bytes, max_bytes, max_bytes, max_depth),
        "at most " + std::to_string(max_array)};
}

std::string get_string(const map_reader& m, std::string_view key) {
    return std::string(detail::read_string(m.require(key), m.field(key)));
}

std::uint64_t get_uint(const map_reader& m, std::string_view key,
                       std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) {
    return detail::read_uint(m.require(key), m.field(key), max);
}

double get_number(const map_reader& m, std::string_view key) {
    return detail::read_number(m.require(key), m.field(key));
}

template <typename Enum>
Enum get_enum(const map_reader& m, std::string_view key,
              std::optional<Enum> (*parse)(std::string_view)) {
    const std::string_view text = detail::read_string(m.require(key), m.field(key));
    const std::optional<Enum> value = parse(text);
    if (!value) {
        fail(error_code::bad_request,
             m.field(key) + ": unknown value " + detail::quote_untrusted(text));
    }
    return *value;
}

std::vector<std::string> get_string_list(const msgpack::object& o, const std::string& field) {
    std::vector<std::string> out;
    const auto list = detail::read_array(o, field);
    out.reserve(list.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
        out.emplace_back(detail::read_string(list[i], field + "[" + std::to_string(i) + "]"));
    }
    return out;
}

// The optional owner fields (`node`, `control_endpoint`); absent or nil leaves them empty.
template <typename Message>
void read_owner(const map_reader& m, Message& out) {
    if (const auto* node = m.find_non_nil("node"))
        out.node = std::string(detail::read_string(*node, m.field("node")));
    if (const auto* endpoint = m.find_non_nil("control_endpoint"))
        out.control_endpoint =
            std::string(detail::read_string(*endpoint, m.field("control_endpoint")));
}

// Audit (issue 14): `submitted_by` and `requested_by`; absent or nil leaves them empty.
template <typename Message>
void read_audit(const map_reader& m, Message& out) {
    if (const auto* by = m.find_non_nil("submitted_by"))
        out.submitted_by = std::string(detail::read_string(*by, m.field("submitted_by")));
    if (const auto* by = m.find_non_nil("requested_by"))
        out.requested_by = std::string(detail::read_string(*by, m.field("requested_by")));
}

// `first_accepted_at` of an answer to a resubmit; absent or nil leaves it empty.
template <typename Message>
void read_resubmit(const map_reader& m, Message& out) {
    if (const auto* at = m.find_non_nil("first_accepted_at"))
        out.first_accepted_at = std::string(detail::read_string(*at, m.field("first_accepted_at")));
}

// `stopped_by` (execution controls); absent or nil leaves it empty.
template <typename Message>
void read_stopped_by(const map_reader& m, Message& out) {
    if (const auto* rule = m.find_non_nil("stopped_by"))
        out.stopped_by = std::string(detail::read_string(*rule, m.field("stopped_by")));
}

router_result read_router_result(const map_reader& m) {
    router_result r;
    r.job_id = get_string(m, "job_id");
    r.router_name = get_string(m, "router_name");
    r.command = get_string(m, "command");
    r.command_index = static_cast<std::uint32_t>(
        get_uint(m, "command_index", std::numeric_limits<std::uint32_t>::max()));
    r.status = get_enum(m, "status", &router_status_from);
    r.output = get_string(m, "output");
    r.stderr_output = get_string(m, "stderr");
    if (const auto* exit_status = m.find_non_nil("exit_status")) {
        const std::int64_t value = detail::read_int(*exit_status, m.field("exit_status"));
        if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
            fail(error_code::bad_request, m.field("exit_status") + ": out of range");
        }
        r.exit_status = static_cast<int>(value);
    }
    if (const auto* error = m.find_non_nil("error")) {
        const map_reader e(*error, m.field("error"), m.field("error"));
        r.error = router_error{get_enum(e, "kind", &error_kind_from), get_string(e, "message")};
    }
    r.truncated = detail::read_bool(m.require("truncated"), m.field("truncated"));
    if (const auto* data = m.find_non_nil("data")) {
        if (data->type != msgpack::type::MAP && data->type != msgpack::type::ARRAY)
            fail(error_code::bad_request, m.field("data") + ": must be a map or an array");
        msgpack::sbuffer bytes;
        msgpack::pack(bytes, *data);
        r.data = std::string(bytes.data(), bytes.size());
    }
    if (const auto* withheld = m.find_non_nil("output_withheld"))
        r.output_withheld = detail::read_bool(*withheld, m.field("output_withheld"));
    if (const auto* transport = m.find_non_nil("transport"))
        r.transport = std::string(detail::read_string(*transport, m.field("transport")));
    r.execution_duration = get_number(m, "execution_duration");
    r.start_time = get_string(m, "start_time");
    r.end_time = get_string(m, "end_time");
    r.seq = get_uint(m, "seq");
    read_owner(m, r);
    return r;
}

job_summary read_summary(const msgpack::object& o) {
    const map_reader m(o, "summary", "summary");
    job_summary s;
    const msgpack::object* command = m.find("command");
    const msgpack::object* commands = m.find("commands");
    if ((command == nullptr) == (commands == nullptr)) {
        fail(error_code::bad_request, "summary: needs exactly one of `command` and `commands`");
    }
    if (command != nullptr) {
        s.single_command = true;
        s.commands = {std::string(detail::read_string(*command, "summary.command"))};
    } else {
        s.single_command = false;
        s.commands = get_string_list(*commands, "summary.commands");
    }
    s.total_routers = get_uint(m, "total_routers");
    s.total = get_uint(m, "total");
    s.successful = get_uint(m, "successful");
    s.failed = get_uint(m, "failed");
    s.cancelled = get_uint(m, "cancelled");
    s.total_duration = get_number(m, "total_duration");
    if (const auto* deadline = m.find_non_nil("deadline"))  // issue 13
        s.deadline = detail::read_number(*deadline, "summary.deadline");
    return s;
}

std::vector<router_result> read_results(const map_reader& m) {
    const auto list = detail::read_array(m.require("results"), "results");
    std::vector<router_result> results;
    results.reserve(list.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string prefix = "results[" + std::to_string(i) + "]";
        results.push_back(read_router_result(map_reader(list[i], prefix, prefix)));
    }
    return results;
}

job_result read_job_result(const map_reader& m) {
    job_result r;
    r.job_id = get_string(m, "job_id");
    r.state = get_enum(m, "state", &job_state_from);
    r.summary = read_summary(m.require("summary"));
    r.results = read_results(m);
    read_owner(m, r);
    read_resubmit(m, r);
    read_audit(m, r);
    read_stopped_by(m, r);
    return r;
}

status_reply read_status(const map_reader& m) {
    status_reply r;
    r.job_id = get_string(m, "job_id");
    r.state = get_enum(m, "state", &job_state_from);
    r.total = get_uint(m, "total");
    r.completed = get_uint(m, "completed");
    r.successful = get_uint(m, "successful");
    r.failed = get_uint(m, "failed");
    read_owner(m, r);
    read_audit(m, r);
    read_stopped_by(m, r);
    if (const auto* running = m.find_non_nil("running"))
        r.running = detail::read_uint(*running, m.field("running"));
    if (const auto* deadline = m.find_non_nil("deadline"))  // issue 13
        r.deadline = detail::read_number(*deadline, m.field("deadline"));
    return r;
}

accepted_reply read_accepted(const map_reader& m) {
    accepted_reply r;
    r.job_id = get_string(m, "job_id");
    r.total = get_uint(m, "total");
    read_owner(m, r);
    read_resubmit(m, r);
    return r;
}

pong_reply read_pong(const map_reader& m) {
    pong_reply r;
    r.version = get_string(m, "version");
    r.workers = get_uint(m, "workers");
    r.busy_workers = get_uint(m, "busy_workers");
    r.queued_jobs = get_uint(m, "queued_jobs");
    r.running_jobs = get_uint(m, "running_jobs");
    r.uptime = get_number(m, "uptime");
    if (const auto* sessions = m.find_non_nil("sessions")) {
        map_reader s(*sessions, "sessions", "sessions");
        r.sessions = session_figures{get_uint(s, "open"),    get_uint(s, "idle"),
                                     get_uint(s, "hits"),    get_uint(s, "misses"),
                                     get_uint(s, "dropped"), get_uint(s, "evicted"),
                                     get_uint(s, "expired"), std::nullopt};
        if (const auto* reopened = s.find_non_nil("reopened"))
            r.sessions->reopened = detail::read_uint(*reopened, s.field("reopened"));
    }
    if (const auto* bastions = m.find_non_nil("bastions")) {
        map_reader b(*bastions, "bastions", "bastions");
        r.bastions = bastion_figures{get_uint(b, "sessions"),     get_uint(b, "channels"),
                                     get_uint(b, "opened"),       get_uint(b, "failed"),
                                     get_uint(b, "dropped"),      get_uint(b, "expired"),
                                     get_uint(b, "memo_failures")};
    }
    read_owner(m, r);
    return r;
}

routers_reply read_routers(const map_reader& m) {
    routers_reply r;
    const auto list = detail::read_array(m.require("routers"), "routers");
    r.routers.reserve(list.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string prefix = "routers[" + std::to_string(i) + "]";
        const map_reader entry(list[i], prefix, prefix);
        r.routers.push_back(
            router_info{get_string(entry, "name"), get_string(entry, "ip"),
                        static_cast<std::uint16_t>(
                            get_uint(entry, "port", std::numeric_limits<std::uint16_t>::max())),
                        get_string(entry, "username")});
        if (const auto* groups = entry.find_non_nil("groups"))
            r.routers.back().groups = get_string_list(*groups, prefix + ".groups");
    }
    return r;
}

replay_reply read_replay(const map_reader& m) {
    replay_reply r;
    r.next_seq = get_uint(m, "next_seq");
    r.more = detail::read_bool(m.require("more"), m.field("more"));
    r.oldest_seq = get_uint(m, "oldest_seq");
    r.last_seq = get_uint(m, "last_seq");
    r.results = read_results(m);
    return r;
}

error_reply read_error(const map_reader& m) {
    error_reply r;
    r.code = get_enum(m, "code", &error_code_from);
    r.message = get_string(m, "message");
    if (const auto* id = m.find_non_nil("job_id")) {
        r.job_id = std::string(detail::read_string(*id, "job_id"));
    }
    if (const auto* routers = m.find_non_nil("routers")) {
        r.routers = get_string_list(*routers, "routers");
    }
    return r;
}

reply read_reply(const map_reader& m) {
    const std::string_view type = detail::read_string(m.require("type"), "type");
    if (type == "accepted") return read_accepted(m);
    if (type == "status") return read_status(m);
    if (type == "job_result") return read_job_result(m);
    if (type == "pong") return read_pong(m);
    if (type == "routers") return read_routers(m);
    if (type == "error") return read_error(m);
    if (type == "replay") return read_replay(m);
    if (type == "jobs") return detail::read_jobs_reply(m);  // issue 13
    fail(error_code::bad_request, "type: unknown reply type " + detail::quote_untrusted(type));
}

template <typename Result, typename Read>
Result decode_trusted(std::string_view frame, std::string_view what, Read read) {
    try {
        const msgpack::object_handle handle =
            detail::unpack_exactly_one(frame, trusted_unpack_policy(frame.size()));
        const map_reader m(handle.get(), "", what);
        return read(m);
    } catch (const decode_failure& failure) {
        return error_reply{failure.code(), failure.what(), std::nullopt, {}};
    } catch (const std::bad_alloc&) {
        return error_reply{
            error_code::too_large, std::string(what) + ": too large to decode", std::nullopt, {}};
    } catch (const std::exception& e) {
        return error_reply{error_code::bad_request,
                           std::string(what) + ": could not be decoded: " + e.what(),
                           std::nullopt,
                           {}};
    }
}

}  // namespace

std::variant<reply, error_reply> decode_reply(std::string_view frame) {
    return decode_trusted<std::variant<reply, error_reply>>(
        frame, "reply", [](const map_reader& m) { return read_reply(m); });
}

std::variant<router_result, job_result, error_reply> decode_published(std::string_view frame) {
    using published = std::variant<router_result, job_result, error_reply>;
    return decode_trusted<published>(frame, "published message", [](const map_reader& m) {
        const std::string_view type = detail::read_string(m.require("type"), "type");
        if (type == "router_result") return published{read_router_result(m)};
        if (type == "job_result") return published{read_job_result(m)};
        fail(error_code::bad_request,
             "type: expected router_result or job_result, got " + detail::quote_untrusted(type));
    });
}

}  // namespace fanout::protocol
