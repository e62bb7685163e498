// Requests: decode_request (strict validation of untrusted frames) and encode_request.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <new>

#include "protocol/codec.hpp"
#include "protocol/codec_controls.hpp"
#include "protocol/codec_jobs.hpp"
#include "protocol/msgpack_reader.hpp"
#include "protocol/msgpack_writer.hpp"
#include "protocol/utf8.hpp"

namespace fanout::protocol {
namespace {

using detail::decode_failure;
using detail::fail;
using detail::map_reader;
using detail::quote_untrusted;

constexpr std::size_t max_request_map_entries = 16;  // a submit has at most 13 keys today
constexpr std::size_t max_request_depth = 8;

detail::unpack_policy request_unpack_policy(const request_limits& limits, std::size_t frame_size) {
    // Each array entry needs at least one byte, each map entry two, so bounding the declared
    // sizes by the frame size caps what msgpack allocates up front at ~24x the frame.
    const std::size_t max_array =
        std::min(std::max(limits.max_routers_per_job, limits.max_commands_per_job), frame_size);
    const std::size_t max_map = std::min(max_request_map_entries, frame_size / 2);
    // Strings need their bytes inside the frame, so the frame limit bounds them; the per-field
    // limits are checked after parsing, where the error can name the field.
    const std::size_t max_bytes = limits.max_frame_bytes;
    return {msgpack::unpack_limit(max_array, max_map, max_bytes, max_bytes, max_bytes,
                                  max_request_depth),
            "routers: at most " + std::to_string(limits.max_routers_per_job) +
                ", commands: at most " + std::to_string(limits.max_commands_per_job)};
}

// A job id that `submit` gives: no dot, since the id goes into PUB topics.
std::string read_new_job_id(const msgpack::object& o, std::string_view field) {
    const std::string_view id = detail::read_string(o, field);
    if (!is_valid_job_id(id)) {
        fail(error_code::bad_request,
             std::string(field) +
                 ": must be 1-64 characters of [A-Za-z0-9_:-], with no dot (a dot would make "
                 "its PUB topics ambiguous), got " +
                 quote_untrusted(id));
    }
    return std::string(id);
}

// A job id to look up (status, result, cancel, replay): dots too, as older releases took them.
std::string read_job_id(const msgpack::object& o, std::string_view field) {
    const std::string_view id = detail::read_string(o, field);
    if (!is_valid_job_id_to_look_up(id)) {
        fail(error_code::bad_request, std::string(field) +
                                          ": must be 1-64 characters of [A-Za-z0-9._:-], got " +
                                          quote_untrusted(id));
    }
    return std::string(id);
}

std::string read_command(const msgpack::object& o, const std::string& field,
                         const request_limits& limits) {
    const std::string_view command = detail::read_string(o, field);
    if (command.empty()) fail(error_code::bad_request, field + ": must not be empty");
    if (command.size() > limits.max_command_bytes) {
        fail(error_code::too_large, field + ": " + std::to_string(command.size()) +
                                        " bytes, more than max_command_bytes (" +
                                        std::to_string(limits.max_command_bytes) + ")");
    }
    if (!is_valid_utf8(command)) fail(error_code::bad_request, field + ": not valid UTF-8");
    return std::string(command);
}

void read_commands(const map_reader& m, submit_request& submit, const request_limits& limits) {
    const msgpack::object* command = m.find("command");
    const msgpack::object* commands = m.find("commands");
    if (command != nullptr && commands != nullptr) {
        fail(error_code::bad_request, "command, commands: give exactly one of them, not both");
    }
    if (command != nullptr) {
        submit.single_command = true;
        submit.commands = {read_command(*command, "command", limits)};
        return;
    }
    if (commands == nullptr) {
        fail(error_code::bad_request,
             "command: missing required field (give `command` or `commands`)");
    }
    const auto list = detail::read_array(*commands, "commands");
    if (list.empty()) fail(error_code::bad_request, "commands: must not be empty");
    if (list.size() > limits.max_commands_per_job) {
        fail(error_code::too_large, "commands: " + std::to_string(list.size()) +
                                        " entries, more than max_commands_per_job (" +
                                        std::to_string(limits.max_commands_per_job) + ")");
    }
    submit.single_command = false;
    submit.commands.reserve(list.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
        submit.commands.push_back(
            read_command(list[i], "commands[" + std::to_string(i) + "]", limits));
    }
}

void read_routers(const map_reader& m, submit_request& submit, const request_limits& limits) {
    const auto list = detail::read_array(m.require("routers"), "routers");
    if (list.empty()) fail(error_code::bad_request, "routers: must not be empty");
    if (list.size() > limits.max_routers_per_job) {
        fail(error_code::too_large, "routers: " + std::to_string(list.size()) +
                                        " entries, more than max_routers_per_job (" +
                                        std::to_string(limits.max_routers_per_job) + ")");
    }
    submit.routers.reserve(list.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string field = "routers[" + std::to_string(i) + "]";
        const std::string_view name = detail::read_string(list[i], field);
        if (name.empty()) fail(error_code::bad_request, field + ": must not be empty");
        if (name.size() > limits.max_router_name_bytes) {
            fail(error_code::too_large, field + ": " + std::to_string(name.size()) +
                                            " bytes, more than max_router_name_bytes (" +
                                            std::to_string(limits.max_router_name_bytes) + ")");
        }
        if (!is_valid_utf8(name)) fail(error_code::bad_request, field + ": not valid UTF-8");
        submit.routers.emplace_back(name);
    }
    std::vector<std::string_view> sorted(submit.routers.begin(), submit.routers.end());
    std::sort(sorted.begin(), sorted.end());
    const auto duplicate = std::adjacent_find(sorted.begin(), sorted.end());
    if (duplicate != sorted.end()) {
        fail(error_code::bad_request,
             "routers: duplicate router " + quote_untrusted(*duplicate) + " (each router once)");
    }
}

std::string format_number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

double read_timeout(const msgpack::object& o, const request_limits& limits) {
    const double timeout = detail::read_number(o, "timeout");
    if (std::isnan(timeout) || timeout <= 0.0) {
        fail(error_code::bad_request,
             "timeout: must be a number of seconds greater than 0, got " + format_number(timeout));
    }
    if (timeout > limits.max_timeout_seconds) {
        fail(error_code::bad_request, "timeout: must be at most max_timeout_seconds (" +
                                          format_number(limits.max_timeout_seconds) + "), got " +
                                          format_number(timeout));
    }
    return timeout;
}

// Issue 13: `deadline`, seconds, 0 < deadline <= max_deadline_seconds.
double read_deadline(const msgpack::object& o, const request_limits& limits) {
    const double deadline = detail::read_number(o, "deadline");
    if (std::isnan(deadline) || deadline <= 0.0 || deadline > limits.max_deadline_seconds) {
        fail(error_code::bad_request,
             "deadline: must be a number of seconds greater than 0 and at most "
             "max_deadline_seconds (" +
                 format_number(limits.max_deadline_seconds) + "), got " + format_number(deadline));
    }
    return deadline;
}

// Audit (issue 14): who asked for the job, as the client says; bounded, UTF-8.
std::string read_requested_by(const msgpack::object& o) {
    const std::string_view text = detail::read_string(o, "requested_by");
    if (text.empty()) fail(error_code::bad_request, "requested_by: must not be empty");
    if (text.size() > max_requested_by_bytes) {
        fail(error_code::too_large, "requested_by: " + std::to_string(text.size()) +
                                        " bytes, more than max_requested_by_bytes (" +
                                        std::to_string(max_requested_by_bytes) + ")");
    }
    if (!is_valid_utf8(text)) fail(error_code::bad_request, "requested_by: not valid UTF-8");
    return std::string(text);
}

submit_request read_submit(const map_reader& m, const request_limits& limits) {
    m.reject_unknown_keys(
        {"type", "job_id", "command", "commands", "routers", "timeout", "wait", "format",
         "requested_by",  // audit (issue 14)
         "deadline",      // issue 13
         // execution controls (codec_controls.hpp)
         "max_parallel", "stop_after_failures", "max_fail_percent", "canary"},
        "submit");
    submit_request submit;
    if (const auto* id = m.find_non_nil("job_id")) submit.job_id = read_new_job_id(*id, "job_id");
    read_commands(m, submit, limits);
    read_routers(m, submit, limits);
    if (const auto* timeout = m.find_non_nil("timeout")) {
        submit.timeout = read_timeout(*timeout, limits);
    }
    if (const auto* wait = m.find_non_nil("wait")) submit.wait = detail::read_bool(*wait, "wait");
    if (const auto* format = m.find_non_nil("format")) {
        const auto name = detail::read_string(*format, "format");
        const auto value = output_format_from(name);
        if (!value) fail(error_code::bad_request, "format: must be text, json or xml");
        submit.format = *value;
    }
    if (const auto* by = m.find_non_nil("requested_by"))
        submit.requested_by = read_requested_by(*by);
    detail::read_execution_controls(m, submit.controls, limits);
    if (const auto* deadline = m.find_non_nil("deadline"))
        submit.deadline = read_deadline(*deadline, limits);
    return submit;
}

template <typename Request>
Request read_job_request(const map_reader& m, std::string_view type) {
    m.reject_unknown_keys({"type", "job_id"}, type);
    return Request{read_job_id(m.require("job_id"), "job_id")};
}

replay_request read_replay(const map_reader& m) {
    m.reject_unknown_keys({"type", "since_seq", "limit", "job_id"}, "replay");
    replay_request replay;
    replay.since_seq = detail::read_uint(m.require("since_seq"), "since_seq");
    if (const auto* limit = m.find_non_nil("limit")) {
        replay.limit = detail::read_uint(*limit, "limit");
        if (*replay.limit == 0 || *replay.limit > max_replay_results) {
            fail(error_code::bad_request, "limit: must be from 1 to max_replay_results (" +
                                              std::to_string(max_replay_results) + "), got " +
                                              std::to_string(*replay.limit));
        }
    }
    if (const auto* id = m.find_non_nil("job_id")) replay.job_id = read_job_id(*id, "job_id");
    return replay;
}

request read_request(const map_reader& m, const request_limits& limits) {
    const std::string_view type = detail::read_string(m.require("type"), "type");
    if (type == "submit") return read_submit(m, limits);
    if (type == "status") return read_job_request<status_request>(m, type);
    if (type == "result") return read_job_request<result_request>(m, type);
    if (type == "cancel") return read_job_request<cancel_request>(m, type);
    if (type == "ping") {
        m.reject_unknown_keys({"type"}, type);
        return ping_request{};
    }
    if (type == "routers") {
        m.reject_unknown_keys({"type"}, type);
        return routers_request{};
    }
    if (type == "replay") return read_replay(m);
    if (type == "jobs") return detail::read_jobs_request(m);  // issue 13
    fail(error_code::bad_request,
         "type: unknown request type " + quote_untrusted(type) +
             " (expected submit, status, result, cancel, ping, routers, replay or jobs)");
}

// The request's job_id when it is present and valid for its type, so an error reply can carry it.
std::optional<std::string> valid_job_id_of(const map_reader& m) {
    const msgpack::object* id = m.find("job_id");
    if (id == nullptr || id->type != msgpack::type::STR) return std::nullopt;
    std::string_view text(id->via.str.ptr, id->via.str.size);
    const msgpack::object* type = m.find("type");
    const bool submit = type != nullptr && type->type == msgpack::type::STR &&
                        std::string_view(type->via.str.ptr, type->via.str.size) == "submit";
    if (!(submit ? is_valid_job_id(text) : is_valid_job_id_to_look_up(text))) return std::nullopt;
    return std::string(text);
}

}  // namespace

std::variant<request, error_reply> decode_request(std::string_view frame,
                                                  const request_limits& limits) {
    std::optional<std::string> job_id;
    try {
        if (frame.size() > limits.max_frame_bytes) {
            fail(error_code::too_large, "request: frame of " + std::to_string(frame.size()) +
                                            " bytes, more than max_frame_bytes (" +
                                            std::to_string(limits.max_frame_bytes) + ")");
        }
        const msgpack::object_handle handle =
            detail::unpack_exactly_one(frame, request_unpack_policy(limits, frame.size()));
        const map_reader m(handle.get(), "", "request");
        job_id = valid_job_id_of(m);
        return read_request(m, limits);
    } catch (const decode_failure& failure) {
        return error_reply{failure.code(), failure.what(), job_id, {}};
    } catch (const std::bad_alloc&) {
        return error_reply{error_code::too_large, "request: too large to decode", job_id, {}};
    } catch (const std::exception& e) {
        return error_reply{error_code::bad_request,
                           std::string("request: could not be decoded: ") + e.what(),
                           job_id,
                           {}};
    }
}

namespace {

struct request_encoder {
    detail::packer& p;

    void type_only(std::string_view type) const {
        p.pack_map(1);
        detail::pack_key(p, "type");
        detail::pack_string(p, type);
    }
    void with_job_id(std::string_view type, std::string_view job_id) const {
        p.pack_map(2);
        detail::pack_key(p, "type");
        detail::pack_string(p, type);
        detail::pack_key(p, "job_id");
        detail::pack_string(p, job_id);
    }

    void operator()(const submit_request& r) const {
        const bool single = r.single_command && r.commands.size() == 1;
        const bool format = r.format != output_format::text;
        p.pack_map(4 + (r.job_id ? 1 : 0) + (r.timeout ? 1 : 0) + (format ? 1 : 0) +
                   (r.requested_by ? 1 : 0) + detail::count_execution_controls(r.controls) +
                   (r.deadline ? 1 : 0));
        detail::pack_key(p, "type");
        detail::pack_string(p, "submit");
        if (r.job_id) {
            detail::pack_key(p, "job_id");
            detail::pack_string(p, *r.job_id);
        }
        if (single) {
            detail::pack_key(p, "command");
            detail::pack_string(p, r.commands.front());
        } else {
            detail::pack_key(p, "commands");
            p.pack_array(static_cast<std::uint32_t>(r.commands.size()));
            for (const auto& c : r.commands) detail::pack_string(p, c);
        }
        detail::pack_key(p, "routers");
        p.pack_array(static_cast<std::uint32_t>(r.routers.size()));
        for (const auto& name : r.routers) detail::pack_string(p, name);
        if (r.timeout) {
            detail::pack_key(p, "timeout");
            detail::pack_float64(p, *r.timeout);
        }
        detail::pack_key(p, "wait");
        p.pack(r.wait);
        if (format) {
            detail::pack_key(p, "format");
            detail::pack_string(p, to_string(r.format));
        }
        if (r.requested_by) {  // audit (issue 14)
            detail::pack_key(p, "requested_by");
            detail::pack_string(p, *r.requested_by);
        }
        detail::pack_execution_controls(p, r.controls);
        if (r.deadline) {
            detail::pack_key(p, "deadline");
            detail::pack_float64(p, *r.deadline);
        }
    }
    void operator()(const status_request& r) const { with_job_id("status", r.job_id); }
    void operator()(const result_request& r) const { with_job_id("result", r.job_id); }
    void operator()(const cancel_request& r) const { with_job_id("cancel", r.job_id); }
    void operator()(const ping_request&) const { type_only("ping"); }
    void operator()(const routers_request&) const { type_only("routers"); }
    void operator()(const jobs_request& r) const { detail::pack_jobs_request(p, r); }
    void operator()(const replay_request& r) const {
        p.pack_map(2 + (r.limit ? 1 : 0) + (r.job_id ? 1 : 0));
        detail::pack_key(p, "type");
        detail::pack_string(p, "replay");
        detail::pack_key(p, "since_seq");
        p.pack_uint64(r.since_seq);
        if (r.limit) {
            detail::pack_key(p, "limit");
            p.pack_uint64(*r.limit);
        }
        if (r.job_id) {
            detail::pack_key(p, "job_id");
            detail::pack_string(p, *r.job_id);
        }
    }
};

}  // namespace

std::string encode_request(const request& r) {
    detail::string_buffer buffer;
    detail::packer p(buffer);
    std::visit(request_encoder{p}, r);
    return std::move(buffer.bytes);
}

}  // namespace fanout::protocol
