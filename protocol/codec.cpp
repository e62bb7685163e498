// Daemon-side encoders: replies on the ROUTER socket, router_result and job_result on PUB.
#include "protocol/codec.hpp"

#include "protocol/codec_jobs.hpp"
#include "protocol/msgpack_writer.hpp"

namespace fanout::protocol {
namespace {

using detail::pack_key;
using detail::pack_string;
using detail::packer;

void pack_type(packer& p, std::string_view type) {
    pack_key(p, "type");
    pack_string(p, type);
}

void pack_field(packer& p, std::string_view key, std::string_view value) {
    pack_key(p, key);
    pack_string(p, value);
}

void pack_field(packer& p, std::string_view key, std::uint64_t value) {
    pack_key(p, key);
    p.pack_uint64(value);
}

void pack_field(packer& p, std::string_view key, double value) {
    pack_key(p, key);
    detail::pack_float64(p, value);
}

// `node` and `control_endpoint` are written only when set (a daemon outside a pool may not
// name itself); count_owner says how many map entries they add.
std::uint32_t count_owner(const std::string& node, const std::string& control_endpoint) {
    return (node.empty() ? 0 : 1) + (control_endpoint.empty() ? 0 : 1);
}

void pack_owner(packer& p, const std::string& node, const std::string& control_endpoint) {
    if (!node.empty()) pack_field(p, "node", node);
    if (!control_endpoint.empty()) pack_field(p, "control_endpoint", control_endpoint);
}

void pack_router_result(packer& p, const router_result& r) {
    const bool data = r.data && !r.output_withheld;
    p.pack_map(15 + (r.output_withheld ? 1 : 0) + (data ? 1 : 0) + (r.transport.empty() ? 0 : 1) +
               count_owner(r.node, r.control_endpoint));
    pack_type(p, "router_result");
    pack_field(p, "job_id", r.job_id);
    pack_field(p, "router_name", r.router_name);
    pack_field(p, "command", r.command);
    pack_field(p, "command_index", std::uint64_t{r.command_index});
    pack_field(p, "status", to_string(r.status));
    pack_field(p, "output", r.output);
    pack_field(p, "stderr", r.stderr_output);
    pack_key(p, "exit_status");
    if (r.exit_status) {
        p.pack_int64(*r.exit_status);
    } else {
        p.pack_nil();
    }
    pack_key(p, "error");
    if (r.error) {
        p.pack_map(2);
        pack_field(p, "kind", to_string(r.error->kind));
        pack_field(p, "message", r.error->message);
    } else {
        p.pack_nil();
    }
    pack_key(p, "truncated");
    p.pack(r.truncated);
    if (r.output_withheld) {
        pack_key(p, "output_withheld");
        p.pack(true);
    }
    if (data) {
        // Stored as msgpack bytes; written as the document itself (a map or an array).
        pack_key(p, "data");
        const auto document = msgpack::unpack(r.data->data(), r.data->size());
        p.pack(document.get());
    }
    if (!r.transport.empty()) pack_field(p, "transport", r.transport);
    pack_field(p, "execution_duration", r.execution_duration);
    pack_field(p, "start_time", r.start_time);
    pack_field(p, "end_time", r.end_time);
    pack_field(p, "seq", r.seq);
    pack_owner(p, r.node, r.control_endpoint);
}

// Bytes of a router_result's strings plus room for its keys and numbers.
std::size_t encoded_size_estimate(const router_result& r) {
    return 512 + r.node.size() + r.control_endpoint.size() + r.job_id.size() +
           r.router_name.size() + r.command.size() + r.output.size() + r.stderr_output.size() +
           (r.data ? r.data->size() : 0) + (r.error ? r.error->message.size() : 0);
}

void pack_summary(packer& p, const job_summary& s) {
    p.pack_map(7 + (s.deadline ? 1 : 0));
    if (s.single_command && s.commands.size() == 1) {
        pack_field(p, "command", s.commands.front());
    } else {
        pack_key(p, "commands");
        p.pack_array(static_cast<std::uint32_t>(s.commands.size()));
        for (const auto& c : s.commands) pack_string(p, c);
    }
    pack_field(p, "total_routers", s.total_routers);
    pack_field(p, "total", s.total);
    pack_field(p, "successful", s.successful);
    pack_field(p, "failed", s.failed);
    pack_field(p, "cancelled", s.cancelled);
    pack_field(p, "total_duration", s.total_duration);
    if (s.deadline) pack_field(p, "deadline", *s.deadline);  // issue 13
}

// `resubmit: true` and `first_accepted_at`, only for an answer to a resubmit.
std::uint32_t count_resubmit(const std::string& first_accepted_at) {
    return first_accepted_at.empty() ? 0 : 2;
}

void pack_resubmit(packer& p, const std::string& first_accepted_at) {
    if (first_accepted_at.empty()) return;
    pack_key(p, "resubmit");
    p.pack_true();
    pack_field(p, "first_accepted_at", first_accepted_at);
}

// Audit (issue 14): `submitted_by` and `requested_by`, each only when set.
std::uint32_t count_audit(const std::string& submitted_by, const std::string& requested_by) {
    return (submitted_by.empty() ? 0 : 1) + (requested_by.empty() ? 0 : 1);
}

void pack_audit(packer& p, const std::string& submitted_by, const std::string& requested_by) {
    if (!submitted_by.empty()) pack_field(p, "submitted_by", submitted_by);
    if (!requested_by.empty()) pack_field(p, "requested_by", requested_by);
}

void pack_job_result(packer& p, const job_result& r) {
    p.pack_map(5 + count_owner(r.node, r.control_endpoint) + count_resubmit(r.first_accepted_at) +
               count_audit(r.submitted_by, r.requested_by) + (r.stopped_by.empty() ? 0 : 1));
    pack_type(p, "job_result");
    pack_field(p, "job_id", r.job_id);
    pack_field(p, "state", to_string(r.state));
    pack_owner(p, r.node, r.control_endpoint);
    pack_resubmit(p, r.first_accepted_at);
    pack_audit(p, r.submitted_by, r.requested_by);
    if (!r.stopped_by.empty()) pack_field(p, "stopped_by", r.stopped_by);  // execution controls
    pack_key(p, "summary");
    pack_summary(p, r.summary);
    pack_key(p, "results");
    p.pack_array(static_cast<std::uint32_t>(r.results.size()));
    for (const auto& result : r.results) pack_router_result(p, result);
}

struct reply_encoder {
    packer& p;

    void operator()(const accepted_reply& r) const {
        p.pack_map(3 + count_owner(r.node, r.control_endpoint) +
                   count_resubmit(r.first_accepted_at));
        pack_type(p, "accepted");
        pack_field(p, "job_id", r.job_id);
        pack_field(p, "total", r.total);
        pack_owner(p, r.node, r.control_endpoint);
        pack_resubmit(p, r.first_accepted_at);
    }
    void operator()(const status_reply& r) const {
        p.pack_map(7 + count_owner(r.node, r.control_endpoint) +
                   count_audit(r.submitted_by, r.requested_by) + (r.stopped_by.empty() ? 0 : 1) +
                   (r.running ? 1 : 0) + (r.deadline ? 1 : 0));
        pack_type(p, "status");
        pack_field(p, "job_id", r.job_id);
        pack_field(p, "state", to_string(r.state));
        pack_field(p, "total", r.total);
        pack_field(p, "completed", r.completed);
        pack_field(p, "successful", r.successful);
        pack_field(p, "failed", r.failed);
        pack_owner(p, r.node, r.control_endpoint);
        pack_audit(p, r.submitted_by, r.requested_by);
        // Execution controls: sent only for a job that has them.
        if (!r.stopped_by.empty()) pack_field(p, "stopped_by", r.stopped_by);
        if (r.running) pack_field(p, "running", *r.running);
        if (r.deadline) pack_field(p, "deadline", *r.deadline);  // issue 13
    }
    void operator()(const job_result& r) const { pack_job_result(p, r); }
    void operator()(const pong_reply& r) const {
        p.pack_map((r.sessions ? 8 : 7) + (r.bastions ? 1 : 0) +
                   count_owner(r.node, r.control_endpoint));
        pack_type(p, "pong");
        pack_field(p, "version", r.version);
        pack_field(p, "workers", r.workers);
        pack_field(p, "busy_workers", r.busy_workers);
        pack_field(p, "queued_jobs", r.queued_jobs);
        pack_field(p, "running_jobs", r.running_jobs);
        pack_field(p, "uptime", r.uptime);
        if (r.sessions) {
            const auto& f = *r.sessions;
            pack_key(p, "sessions");
            p.pack_map(f.reopened ? 8 : 7);
            pack_field(p, "open", f.open);
            pack_field(p, "idle", f.idle);
            pack_field(p, "hits", f.hits);
            pack_field(p, "misses", f.misses);
            pack_field(p, "dropped", f.dropped);
            pack_field(p, "evicted", f.evicted);
            pack_field(p, "expired", f.expired);
            if (f.reopened) pack_field(p, "reopened", *f.reopened);
        }
        if (r.bastions) {
            const auto& b = *r.bastions;
            pack_key(p, "bastions");
            p.pack_map(7);
            pack_field(p, "sessions", b.sessions);
            pack_field(p, "channels", b.channels);
            pack_field(p, "opened", b.opened);
            pack_field(p, "failed", b.failed);
            pack_field(p, "dropped", b.dropped);
            pack_field(p, "expired", b.expired);
            pack_field(p, "memo_failures", b.memo_failures);
        }
        pack_owner(p, r.node, r.control_endpoint);
    }
    void operator()(const routers_reply& r) const {
        p.pack_map(2);
        pack_type(p, "routers");
        pack_key(p, "routers");
        p.pack_array(static_cast<std::uint32_t>(r.routers.size()));
        for (const auto& info : r.routers) {
            p.pack_map(info.groups.empty() ? 4 : 5);
            pack_field(p, "name", info.name);
            pack_field(p, "ip", info.ip);
            pack_field(p, "port", std::uint64_t{info.port});
            pack_field(p, "username", info.username);
            if (!info.groups.empty()) {
                pack_key(p, "groups");
                p.pack_array(static_cast<std::uint32_t>(info.groups.size()));
                for (const auto& group : info.groups) pack_string(p, group);
            }
        }
    }
    void operator()(const replay_reply& r) const {
        p.pack_map(6);
        pack_type(p, "replay");
        pack_field(p, "next_seq", r.next_seq);
        pack_key(p, "more");
        p.pack(r.more);
        pack_field(p, "oldest_seq", r.oldest_seq);
        pack_field(p, "last_seq", r.last_seq);
        pack_key(p, "results");
        p.pack_array(static_cast<std::uint32_t>(r.results.size()));
        for (const auto& result : r.results) pack_router_result(p, result);
    }
    void operator()(const jobs_reply& r) const { detail::pack_jobs_reply(p, r); }  // issue 13
    void operator()(const error_reply& r) const {
        p.pack_map(3 + (r.job_id ? 1 : 0) + (r.routers.empty() ? 0 : 1));
        pack_type(p, "error");
        pack_field(p, "code", to_string(r.code));
        pack_field(p, "message", r.message);
        if (r.job_id) pack_field(p, "job_id", *r.job_id);
        if (!r.routers.empty()) {
            pack_key(p, "routers");
            p.pack_array(static_cast<std::uint32_t>(r.routers.size()));
            for (const auto& name : r.routers) pack_string(p, name);
        }
    }
};

}  // namespace

std::string encode_reply(const reply& r) {
    detail::string_buffer buffer;
    packer p(buffer);
    std::visit(reply_encoder{p}, r);
    return std::move(buffer.bytes);
}

std::string encode_router_result(const router_result& r) {
    detail::string_buffer buffer;
    // Sized up front: an output of several MiB is then written once, without regrowing.
    buffer.bytes.reserve(encoded_size_estimate(r));
    packer p(buffer);
    pack_router_result(p, r);
    return std::move(buffer.bytes);
}

std::string encode_job_result(const job_result& r) {
    detail::string_buffer buffer;
    std::size_t estimate = 512;
    for (const auto& result : r.results) estimate += encoded_size_estimate(result);
    buffer.bytes.reserve(estimate);
    packer p(buffer);
    pack_job_result(p, r);
    return std::move(buffer.bytes);
}

std::string router_result_topic(const router_result& r) {
    return job_results_prefix(r.job_id) + r.router_name + topic_end;
}

std::string job_result_topic(std::string_view job_id) {
    return "job." + std::string(job_id) + topic_end;
}

std::string job_results_prefix(std::string_view job_id) {
    return "result." + std::string(job_id) + ".";
}

}  // namespace fanout::protocol
