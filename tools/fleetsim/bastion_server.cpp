#include "tools/fleetsim/bastion_server.hpp"

#include <libssh/callbacks.h>
#include <libssh/server.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <string_view>

#include "tools/fleetsim/channel_pump.hpp"
#include "tools/fleetsim/host_keys.hpp"
#include "tools/fleetsim/router_auth.hpp"
#include "tools/fleetsim/tcp_connect.hpp"

namespace fanout::fleetsim {
namespace {

// Longest single poll, so the stop flag is seen even if a shutdown wake-up is missed.
constexpr int poll_slice_ms = 100;

int ignore_fd_event(socket_t, int, void*) {
    return 0;  // every pump is stepped after each poll anyway
}

// What router_auth needs to authenticate a bastion like a router.
router_spec auth_spec(const bastion_spec& bastion) {
    router_spec spec;
    spec.name = bastion.name;
    spec.index = bastion.index;
    spec.key_auth = bastion.key_auth;
    spec.fault =
        bastion.fault == bastion_fault::auth_fail ? fault_kind::auth_fail : fault_kind::none;
    return spec;
}

}  // namespace

class bastion_connection {
  public:
    bastion_connection(ssh_session session, const bastion_spec& bastion,
                       const server_settings& settings, bastion_hosts& hosts)
        : session_(session),
          bastion_(bastion),
          settings_(settings),
          hosts_(hosts),
          counters_(hosts.counters_[bastion.index - 1]),
          auth_(auth_spec(bastion)) {
        ssh_callbacks_init(&channel_callbacks_);
        channel_callbacks_.userdata = this;
        channel_callbacks_.channel_data_function = &bastion_connection::on_channel_data;
        channel_callbacks_.channel_eof_function = &bastion_connection::on_channel_event;
        channel_callbacks_.channel_close_function = &bastion_connection::on_channel_event;
    }

    ~bastion_connection() {
        for (auto& entry : pumps_) close_pump(entry);
        if (event_) ssh_event_remove_session(event_.get(), session_);
    }

    void run() {
        ssh_set_auth_methods(session_, auth_methods_for(auth_));
        if (ssh_handle_key_exchange(session_) != SSH_OK) {
            log("key exchange failed: " + std::string(ssh_get_error(session_)));
            return;
        }
        event_.reset(ssh_event_new());
        if (!event_ || ssh_event_add_session(event_.get(), session_) != SSH_OK) return;
        if (!authenticate(session_, auth_, settings_)) return;
        counters_.sessions.fetch_add(1, std::memory_order_relaxed);
        // Requests stay queued in libssh (no message callback, which would free each one on
        // return): a slow_forward open is answered later, from the message kept until then.
        ssh_set_blocking(session_, 0);
        serve_channels();
    }

  private:
    struct pump_entry {
        std::unique_ptr<channel_pump> pump;
        short registered = 0;  // the events its socket is in event_ with
    };
    // A direct-tcpip open to a slow_forward router, answered at `due`.
    struct held_open {
        message_ptr msg;
        std::chrono::steady_clock::time_point due;
    };

    void log(std::string_view text) const { log_event(settings_, bastion_.name, text); }

    bool gone() const {
        return dropped_ || settings_.stopping->load(std::memory_order_relaxed) ||
               (ssh_get_status(session_) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0;
    }

    // A step may read packets for channels stepped before it (libssh reads the session when
    // a channel's buffer is empty): `activity_`, set by the channel callbacks, and pumps whose
    // bytes can go out now make the next poll return at once instead of waiting.
    void serve_channels() {
        while (!gone()) {
            activity_ = false;
            for (std::size_t i = 0; i < pumps_.size(); ++i) {
                if (!pumps_[i].pump->step()) close_pump(pumps_[i]);
            }
            std::erase_if(pumps_, [](const pump_entry& entry) { return !entry.pump; });
            take_messages();  // may add pumps
            answer_held();
            bool again = activity_;
            for (auto& entry : pumps_) {
                watch(entry);
                again = again || entry.pump->can_send();
            }
            if (ssh_event_dopoll(event_.get(), again ? 0 : poll_slice_ms) == SSH_ERROR) return;
        }
    }

    // Every request libssh has queued (ssh_message_get does not block on a non-blocking
    // session).
    void take_messages() {
        while (!gone()) {
            message_ptr msg(ssh_message_get(session_));
            if (!msg) return;
            const int type = ssh_message_type(msg.get());
            if (type == SSH_REQUEST_CHANNEL_OPEN &&
                ssh_message_subtype(msg.get()) == SSH_CHANNEL_DIRECT_TCPIP) {
                if (open_direct(msg) == 1) ssh_message_reply_default(msg.get());
                continue;
            }
            if (type == SSH_REQUEST_CHANNEL_OPEN || type == SSH_REQUEST_CHANNEL) {
                log("refusing a channel or request other than direct-tcpip");
            }
            ssh_message_reply_default(msg.get());
        }
    }

    // Answers the slow_forward opens whose time has come, as if they had just arrived.
    void answer_held() {
        const auto now = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < held_.size();) {
            if (held_[i].due > now) {
                ++i;
                continue;
            }
            message_ptr msg = std::move(held_[i].msg);
            held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(i));
            if (accept_direct(msg.get()) == 1) ssh_message_reply_default(msg.get());
        }
    }

    // Channel callbacks only note that something arrived; the data stays in the channel's
    // buffer (0 bytes consumed) for the pump to read.
    static int on_channel_data(ssh_session, ssh_channel, void*, uint32_t, int, void* self) {
        static_cast<bastion_connection*>(self)->activity_ = true;
        return 0;
    }
    static void on_channel_event(ssh_session, ssh_channel, void* self) {
        static_cast<bastion_connection*>(self)->activity_ = true;
    }

    void watch(pump_entry& entry) {
        const short wanted = entry.pump->socket_events();
        if (wanted == entry.registered) return;
        const int fd = entry.pump->socket_fd();
        if (entry.registered != 0) ssh_event_remove_fd(event_.get(), fd);
        entry.registered = 0;
        if (wanted != 0 &&
            ssh_event_add_fd(event_.get(), fd, wanted, &ignore_fd_event, nullptr) == SSH_OK) {
            entry.registered = wanted;
        }
    }

    void close_pump(pump_entry& entry) {
        if (!entry.pump) return;
        if (entry.registered != 0) ssh_event_remove_fd(event_.get(), entry.pump->socket_fd());
        entry.pump.reset();
        counters_.channels_open.fetch_sub(1, std::memory_order_relaxed);
    }

    // 0: handled (answered, or kept in held_); 1: to be refused with libssh's default reply.
    int open_direct(message_ptr& owned) {
        ssh_message msg = owned.get();
        if (bastion_.fault == bastion_fault::refuse_channels) {
            log("refusing a direct-tcpip channel (refuse_channels)");
            return 1;
        }
        if (bastion_.fault == bastion_fault::drop_after && opened_ >= bastion_.drop_after) {
            log("dropping the session at channel " + std::to_string(opened_ + 1));
            ::shutdown(ssh_get_fd(session_), SHUT_RDWR);
            dropped_ = true;
            return 0;  // no answer: the connection is gone
        }
        const char* host = ssh_message_channel_request_open_destination(msg);
        const int port = ssh_message_channel_request_open_destination_port(msg);
        const std::string target =
            std::string(host != nullptr ? host : "") + ":" + std::to_string(port);
        if (host == nullptr || port <= 0 || port > 65535 || !hosts_.allowed_.contains(target)) {
            log("refusing direct-tcpip to " + target + ": not a router of this fleet");
            return 1;
        }
        if (hosts_.slow_forward_.contains(target)) {
            log("answering direct-tcpip to " + target + " in " +
                std::to_string(settings_.slow_forward.count()) + " ms (slow_forward)");
            held_.push_back(
                {std::move(owned), std::chrono::steady_clock::now() + settings_.slow_forward});
            return 0;
        }
        return accept_direct(msg);
    }

    // Connects to the (allowed) router and accepts the channel; 1: refuse it.
    int accept_direct(ssh_message msg) {
        const char* host = ssh_message_channel_request_open_destination(msg);
        const int port = ssh_message_channel_request_open_destination_port(msg);
        const std::string target = std::string(host) + ":" + std::to_string(port);
        bool connecting = false;
        const int fd = connect_router(host, static_cast<std::uint16_t>(port), connecting);
        if (fd < 0) {
            log("refusing direct-tcpip to " + target + ": connect failed");
            return 1;
        }
        // Counted before the confirmation goes out: a client that saw it sees the counts too.
        counters_.channels.fetch_add(1, std::memory_order_relaxed);
        counters_.channels_open.fetch_add(1, std::memory_order_relaxed);
        ssh_channel channel = ssh_message_channel_request_open_reply_accept(msg);
        if (channel == nullptr) {
            counters_.channels.fetch_sub(1, std::memory_order_relaxed);
            counters_.channels_open.fetch_sub(1, std::memory_order_relaxed);
            ::close(fd);
            return 0;
        }
        ssh_set_channel_callbacks(channel, &channel_callbacks_);
        ++opened_;
        pumps_.push_back({std::make_unique<channel_pump>(channel, fd, connecting), 0});
        log("direct-tcpip channel " + std::to_string(opened_) + " to " + target);
        return 0;
    }

    ssh_session session_;
    const bastion_spec& bastion_;
    const server_settings& settings_;
    bastion_hosts& hosts_;
    bastion_hosts::counters& counters_;
    const router_spec auth_;
    event_ptr event_;
    std::vector<pump_entry> pumps_;
    std::vector<held_open> held_;
    ssh_channel_callbacks_struct channel_callbacks_{};
    std::uint32_t opened_ = 0;
    bool dropped_ = false;
    bool activity_ = false;
};

bastion_hosts::bastion_hosts(const std::vector<bastion_spec>& bastions)
    : bastions_(bastions), counters_(std::make_unique<counters[]>(bastions.size())) {
    for (std::size_t i = 0; i < bastions.size(); ++i) {
        keys_.push_back(generate_ed25519());
        binds_.push_back(make_server_bind(keys_.back().get()));
    }
}

bastion_hosts::~bastion_hosts() = default;

ssh_bind bastion_hosts::bind_for(const bastion_spec& bastion, ssh_bind wrong_bind) const {
    if (bastion.fault == bastion_fault::changed_key) return wrong_bind;
    return binds_[static_cast<std::size_t>(bastion.index - 1)].get();
}

std::string bastion_hosts::host_key_line(const bastion_spec& bastion) const {
    return public_key_line(keys_[static_cast<std::size_t>(bastion.index - 1)].get());
}

void bastion_hosts::allow(const std::string& ip, std::uint16_t port, bool slow_forward) {
    allowed_.insert(ip + ":" + std::to_string(port));
    if (slow_forward) slow_forward_.insert(ip + ":" + std::to_string(port));
}

void bastion_hosts::count_connection(const bastion_spec& bastion) {
    counters_[bastion.index - 1].connections.fetch_add(1, std::memory_order_relaxed);
}

void bastion_hosts::serve(ssh_session session, const bastion_spec& bastion,
                          const server_settings& settings) {
    bastion_connection(session, bastion, settings, *this).run();
}

std::vector<bastion_count> bastion_hosts::counts() const {
    std::vector<bastion_count> out;
    for (const auto& bastion : bastions_) {
        const counters& c = counters_[bastion.index - 1];
        const auto open = c.channels_open.load(std::memory_order_relaxed);
        out.push_back({bastion.name, c.connections.load(std::memory_order_relaxed),
                       c.sessions.load(std::memory_order_relaxed),
                       c.channels.load(std::memory_order_relaxed),
                       static_cast<std::uint64_t>(open < 0 ? 0 : open)});
    }
    return out;
}

}  // namespace fanout::fleetsim
