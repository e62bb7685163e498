#include "daemon/api/intake.hpp"

#include <spdlog/spdlog.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "curve/curve_keys.hpp"
#include "daemon/version.hpp"
#include "protocol/codec.hpp"

namespace fanout::daemon {

using protocol::error_code;
using protocol::error_reply;

struct intake::sockets {
    zmq::socket_t router;
    zmq::socket_t completions;
    zmq::socket_t pool;  // pool mode only: connected to fanout-proxy's jobs backend
};

namespace {

std::string unique_completions_endpoint(const void* owner) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "inproc://fanoutd.completions.%p", owner);
    return buf;
}

}  // namespace

intake::intake(zmq::context_t& context, const config& settings, scheduler& tasks,
               std::shared_ptr<const inventory> devices, std::function<std::size_t()> busy_workers,
               std::size_t workers, std::function<protocol::session_figures()> session_figures,
               const curve::key_pair* curve_server)
    : settings_(settings),
      tasks_(tasks),
      devices_(std::move(devices)),
      policy_(std::make_shared<const command_policy>(settings.commands)),
      busy_workers_(std::move(busy_workers)),
      workers_(workers),
      session_figures_(std::move(session_figures)),
      started_at_(std::chrono::steady_clock::now()),
      completions_endpoint_(unique_completions_endpoint(this)),
      sockets_(std::make_unique<sockets>(sockets{zmq::socket_t(context, zmq::socket_type::router),
                                                 zmq::socket_t(context, zmq::socket_type::pull),
                                                 zmq::socket_t()})) {
    auto& router = sockets_->router;
    router.set(zmq::sockopt::linger, 1000);
    router.set(zmq::sockopt::router_mandatory, 1);
    router.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(settings.limits.max_frame_bytes) * 4);
    if (curve_server) curve::apply_curve_server(router.handle(), *curve_server);
    router.bind(settings.jobs_endpoint);
    // Pool mode: requests also arrive through fanout-proxy's DEALER, with its envelope frame
    // in front of the client's; replies mirror the envelope and so route back through it.
    // Plain (no CURVE: config refuses the combination). A tiny receive queue, so that a full
    // daemon that stops reading fills its pipe soon and the proxy skips it.
    if (!settings.jobs_connect.empty()) {
        auto& pool = sockets_->pool = zmq::socket_t(context, zmq::socket_type::router);
        pool.set(zmq::sockopt::linger, 1000);
        pool.set(zmq::sockopt::router_mandatory, 1);
        pool.set(zmq::sockopt::maxmsgsize,
                 static_cast<int64_t>(settings.limits.max_frame_bytes) * 4);
        pool.set(zmq::sockopt::rcvhwm, 1);
        pool.set(zmq::sockopt::rcvbuf, 4096);
        pool.connect(settings.jobs_connect);
    }
    sockets_->completions.set(zmq::sockopt::linger, 0);
    sockets_->completions.set(zmq::sockopt::rcvhwm, 0);
    sockets_->completions.bind(completions_endpoint_);
}

intake::~intake() {
    stop();
}

void intake::replace_command_policy(std::shared_ptr<const command_policy> policy) {
    policy_.store(std::move(policy));
}

void intake::replace_inventory(std::shared_ptr<const inventory> devices) {
    devices_.store(std::move(devices));
}

void intake::start() {
    thread_ = std::thread([this] { run(); });
}

void intake::stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
}

bool intake::has_room() const {
    auto now = tasks_.stats();
    return now.queued_jobs + now.running_jobs < settings_.max_queued_jobs &&
           now.pending_tasks < settings_.max_pending_tasks;
}

void intake::run() {
    const bool pooled = static_cast<bool>(sockets_->pool);
    zmq::pollitem_t items[] = {{sockets_->router.handle(), 0, ZMQ_POLLIN, 0},
                               {sockets_->completions.handle(), 0, ZMQ_POLLIN, 0},
                               {pooled ? sockets_->pool.handle() : nullptr, 0, 0, 0}};
    while (!stopping_) {
        try {
            // A job ending wakes the poll (completions), so room is noticed promptly.
            items[2].events = pooled && has_room() ? ZMQ_POLLIN : 0;
            zmq::poll(items, pooled ? 3 : 2, std::chrono::milliseconds(100));
            if (items[1].revents & ZMQ_POLLIN) drain_completions();
            // Bounded batch, so completions are not starved by a flood of requests.
            for (int i = 0; i < 256 && (items[0].revents & ZMQ_POLLIN); ++i) {
                if (!(sockets_->router.get(zmq::sockopt::events) & ZMQ_POLLIN)) break;
                receive_request(false);
            }
            for (int i = 0; i < 256 && (items[2].revents & ZMQ_POLLIN) && has_room(); ++i) {
                if (!(sockets_->pool.get(zmq::sockopt::events) & ZMQ_POLLIN)) break;
                receive_request(true);
            }
        } catch (const std::exception& e) {
            spdlog::error("intake: {}", e.what());
        }
    }
    try {
        drain_completions();
    } catch (const std::exception& e) {
        spdlog::error("intake: {}", e.what());
    }
}

void intake::receive_request(bool from_pool) {
    auto& socket = from_pool ? sockets_->pool : sockets_->router;
    envelope frames;
    frames.from_pool = from_pool;
    std::size_t count = 0;
    bool more = true;
    while (more) {
        zmq::message_t frame;
        if (!socket.recv(frame, zmq::recv_flags::dontwait)) return;
        more = frame.more();
        // Keep the identity and the first frames; count (and discard) the rest.
        if (++count <= max_request_frames) frames.emplace_back(frame.to_string());
    }
    if (frames.size() < 2) {
        spdlog::warn("intake: dropped a request with no body frame");
        return;
    }
    std::string body = std::move(frames.back());
    frames.pop_back();
    if (count > max_request_frames) {
        reply(frames, protocol::encode_reply(
                          error_reply{error_code::bad_request,
                                      "request has " + std::to_string(count) + " frames; at most " +
                                          std::to_string(max_request_frames) + " are allowed",
                                      std::nullopt,
                                      {}}));
        return;
    }
    handle(frames, body);
}

void intake::handle(const envelope& to, std::string_view body) {
    auto decoded = protocol::decode_request(body, settings_.limits);
    if (auto* error = std::get_if<error_reply>(&decoded)) {
        spdlog::debug("intake: refused a request: {}: {}", protocol::to_string(error->code),
                      error->message);
        return reply(to, protocol::encode_reply(*error));
    }
    auto& request = std::get<protocol::request>(decoded);
    auto not_found = [](const std::string& id) {
        return error_reply{
            error_code::not_found, "no job '" + id + "' (unknown or expired)", id, {}};
    };

    if (auto* submit = std::get_if<protocol::submit_request>(&request))
        return handle_submit(to, *submit);
    if (auto* status = std::get_if<protocol::status_request>(&request)) {
        auto s = tasks_.status(status->job_id);
        return reply(to, protocol::encode_reply(s ? protocol::reply(*s)
                                                  : protocol::reply(not_found(status->job_id))));
    }
    if (auto* cancel = std::get_if<protocol::cancel_request>(&request)) {
        auto s = tasks_.cancel(cancel->job_id);
        return reply(to, protocol::encode_reply(s ? protocol::reply(*s)
                                                  : protocol::reply(not_found(cancel->job_id))));
    }
    if (auto* result = std::get_if<protocol::result_request>(&request)) {
        auto r = tasks_.result(result->job_id);
        if (auto* aggregate = std::get_if<std::shared_ptr<const protocol::job_result>>(&r))
            return reply(to, protocol::encode_job_result(**aggregate));
        if (auto* s = std::get_if<protocol::status_reply>(&r))
            return reply(to, protocol::encode_reply(*s));
        return reply(to, protocol::encode_reply(not_found(result->job_id)));
    }
    if (auto* replay = std::get_if<protocol::replay_request>(&request)) {
        auto page = tasks_.replay(*replay);
        return reply(to,
                     protocol::encode_reply(page ? protocol::reply(std::move(*page))
                                                 : protocol::reply(not_found(*replay->job_id))));
    }
    if (std::holds_alternative<protocol::ping_request>(request)) {
        auto stats = tasks_.stats();
        protocol::pong_reply pong{
            std::string(fanout_version),
            workers_,
            busy_workers_(),
            stats.queued_jobs,
            stats.running_jobs,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at_).count(),
            session_figures_(),
            settings_.node_id,
            settings_.advertise_endpoint};
        return reply(to, protocol::encode_reply(pong));
    }
    protocol::routers_reply routers;
    for (const auto& d : devices_.load()->devices())
        routers.routers.push_back({d.name, d.ip, d.port, d.username});
    reply(to, protocol::encode_reply(routers));
}

void intake::handle_submit(const envelope& to, protocol::submit_request& request) {
    // Before anything else: a refused job never reaches the scheduler, let alone a router.
    const auto policy = policy_.load();
    for (std::size_t i = 0; i < request.commands.size(); ++i) {
        auto refusal = policy->check(request.commands[i]);
        if (!refusal) continue;
        std::string message = (request.single_command ? std::string("command ")
                                                      : "commands[" + std::to_string(i) + "] ") +
                              command_excerpt(request.commands[i]) +
                              " is forbidden by the command policy: " + *refusal +
                              "; the job was rejected";
        spdlog::info("intake: refused job {}: {}", request.job_id.value_or("(no id)"), message);
        return reply(to, protocol::encode_reply(error_reply{
                             error_code::forbidden_command, message, request.job_id, {}}));
    }
    job_spec spec;
    spec.id = request.job_id;
    spec.single_command = request.single_command;
    spec.devices = devices_.load();  // one snapshot for the whole submit
    spec.timeout = request.timeout ? std::chrono::ceil<std::chrono::milliseconds>(
                                         std::chrono::duration<double>(*request.timeout))
                                   : settings_.command_timeout;
    std::vector<std::string> unknown;
    spec.routers.reserve(request.routers.size());
    for (const auto& name : request.routers) {
        if (const device* d = spec.devices->find(name))
            spec.routers.push_back(d);
        else
            unknown.push_back(name);
    }
    if (!unknown.empty()) {
        std::string message = std::to_string(unknown.size()) +
                              " router(s) not found in the inventory; the job was rejected";
        return reply(to, protocol::encode_reply(error_reply{error_code::unknown_routers, message,
                                                            request.job_id, std::move(unknown)}));
    }
    spec.commands = std::move(request.commands);
    bool wait = request.wait;
    auto outcome = tasks_.submit(std::move(spec));
    if (auto* error = std::get_if<error_reply>(&outcome))
        return reply(to, protocol::encode_reply(*error));
    auto& accepted = std::get<protocol::accepted_reply>(outcome);
    if (!wait) return reply(to, protocol::encode_reply(accepted));
    // A resubmit may name a job that has ended: its job_result is the answer, now. A job still
    // active cannot end before this thread next drains completions, so no race here.
    auto known = tasks_.result(accepted.job_id);
    if (auto* aggregate = std::get_if<std::shared_ptr<const protocol::job_result>>(&known))
        return reply(to, protocol::encode_job_result(**aggregate));
    if (std::holds_alternative<std::monostate>(known))  // ended and evicted in between
        return reply(to, protocol::encode_reply(accepted));
    waiters_[accepted.job_id].push_back(to);
}

void intake::drain_completions() {
    // Each completion is [job_id, encoded job_result], sent after the aggregate was published.
    std::vector<zmq::message_t> completion;
    while (zmq::recv_multipart(sockets_->completions, std::back_inserter(completion),
                               zmq::recv_flags::dontwait)) {
        if (completion.size() == 2) {
            auto it = waiters_.find(completion[0].to_string());
            if (it != waiters_.end()) {
                auto body = completion[1].to_string();
                for (const auto& to : it->second)
                    if (!deliver(to, body))
                        spdlog::debug("intake: job {} ended; its wait:true client is gone",
                                      it->first);
                waiters_.erase(it);  // nothing of a waiter outlives its job
            }
        }
        completion.clear();
    }
}

void intake::reply(const envelope& to, const std::string& body) {
    (void)deliver(to, body);
}

bool intake::deliver(const envelope& to, const std::string& body) {
    auto& router = to.from_pool ? sockets_->pool : sockets_->router;
    try {
        for (const auto& frame : to)
            if (!router.send(zmq::buffer(frame),
                             zmq::send_flags::sndmore | zmq::send_flags::dontwait))
                throw zmq::error_t();
        if (!router.send(zmq::buffer(body), zmq::send_flags::dontwait)) throw zmq::error_t();
        return true;
    } catch (const zmq::error_t&) {
        spdlog::debug("intake: reply dropped: the client is gone or not reading");
        return false;
    }
}

}  // namespace fanout::daemon
