#include "daemon/ssh/tunnel.hpp"

#include <fcntl.h>
#include <libssh/server.h>  // ssh_send_keepalive, which works on client sessions too
#include <linux/tcp.h>      // struct tcp_info with tcpi_bytes_received (glibc's lacks it)
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "daemon/ssh/detail/channel_opens.hpp"
#include "daemon/ssh/detail/channel_pump.hpp"
#include "daemon/ssh/detail/session_access.hpp"

namespace fanout::daemon {
namespace {

using protocol::error_kind;
using protocol::router_error;
using ssh::forward_request;
using steady = std::chrono::steady_clock;
// Unanswered keepalive rounds after which a bastion session counts as dead (3 x the interval,
// OpenSSH's ServerAliveCountMax).
constexpr int max_unanswered_keepalives = 3;

// Bytes the kernel received on a TCP socket so far; nullopt for another kind of stream (a
// later hop's session runs over a socketpair). libssh 0.10's ssh_send_keepalive() always
// returns SSH_OK, so an answered keepalive shows only as bytes arriving.
std::optional<std::uint64_t> bytes_received(int fd) {
    tcp_info info{};
    socklen_t size = sizeof info;
    if (fd < 0 || ::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0 ||
        size < offsetof(tcp_info, tcpi_bytes_received) + sizeof info.tcpi_bytes_received)
        return std::nullopt;
    return info.tcpi_bytes_received;
}

bool session_dead(ssh_session session) {
    return !ssh_is_connected(session) ||
           (ssh_get_status(session) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0;
}

std::int64_t ticks(steady::time_point t) {
    return t.time_since_epoch().count();
}

}  // namespace

struct ssh_tunnel::state {
    ssh::owned_session session;  // a second hop's: with the stream it runs over
    tunnel_settings settings;
    std::mutex mutex;
    std::deque<std::shared_ptr<forward_request>> requests;
    int wake_read = -1, wake_write = -1;
    std::atomic<bool> stopping{false}, dead{false};
    std::atomic<std::size_t> slots{0};
    std::atomic<std::int64_t> idle_since{ticks(steady::now())};
    std::thread pump;

    ~state() {
        if (wake_read >= 0) ::close(wake_read);
        if (wake_write >= 0) ::close(wake_write);
    }
    void wake() const {
        char byte = 1;
        [[maybe_unused]] auto n = ::write(wake_write, &byte, 1);  // a full pipe is awake enough
    }
    void release_slot() {
        if (slots.fetch_sub(1) == 1) idle_since = ticks(steady::now());
        if (settings.on_slot_free) settings.on_slot_free();
    }
    void run();
};

// The pump thread: the only user of the session from start() on.
void ssh_tunnel::state::run() {
    ssh_session s = session.get();
    // Reads what the bastion sent (channel data into libssh's channel buffers, window
    // adjustments, closes, keepalive replies, end of stream). Channel reads alone would not do
    // it for a session without channels, nor while every channel's buffer is full.
    struct event_deleter {
        ssh_session session;
        void operator()(ssh_event event) const {
            ssh_event_remove_session(event, session);
            ssh_event_free(event);
        }
    };
    std::unique_ptr<ssh_event_struct, event_deleter> incoming(ssh_event_new(), event_deleter{s});
    if (!incoming || ssh_event_add_session(incoming.get(), s) != SSH_OK) {
        spdlog::warn("bastion {}: cannot watch the session", settings.name);
        incoming.reset();
    }
    ssh::channel_opens opens(settings.name, settings.abandoned_open_limit,
                             [this] { release_slot(); });
    std::list<std::unique_ptr<ssh::channel_pump>> channels;  // open: each holds its slot
    auto last_keepalive = steady::now();
    // Keepalive rounds in a row that found the previous one unanswered: a bastion that went
    // silent mid-session (frozen, or a firewall dropping its packets) is dead after
    // max_unanswered_keepalives of them, not after the kernel's retransmissions (~15 min).
    int unanswered = 0;
    auto heard = bytes_received(ssh_get_fd(s));
    bool busy = false;
    bool unflushed = false;  // libssh holds output the socket did not take yet
    std::vector<pollfd> fds;
    for (;;) {
        fds.clear();
        fds.push_back({wake_read, POLLIN, 0});
        fds.push_back({ssh_get_fd(s), static_cast<short>(POLLIN | (unflushed ? POLLOUT : 0)), 0});
        for (auto& channel : channels) {
            short events = channel->wanted_events();
            if (events == 0) continue;
            fds.push_back({channel->socket_end(), events, 0});
        }
        // Busy: libssh may hold output to flush, or a window may open; poll briefly.
        int timeout = busy ? 5 : opens.any() ? 50 : 250;
        ::poll(fds.data(), fds.size(), timeout);
        if (stopping) break;
        if (fds[0].revents & POLLIN) {
            char drain[256];
            while (::read(wake_read, drain, sizeof drain) > 0) {
            }
        }
        {
            std::lock_guard lock(mutex);
            for (auto& request : requests) opens.add(s, std::move(request));
            requests.clear();
        }
        busy = false;
        if (!incoming || (fds[1].revents & (POLLIN | POLLERR | POLLHUP)) != 0) {
            if (incoming && ssh_event_dopoll(incoming.get(), 0) == SSH_ERROR && session_dead(s))
                break;
        }
        // Flushes what is queued for the bastion.
        int flushed = ssh_blocking_flush(s, 0);
        if (flushed == SSH_ERROR || session_dead(s)) break;
        unflushed = flushed == SSH_AGAIN;
        for (auto& opened : opens.step()) {
            channels.push_back(std::move(opened));
            busy = true;
        }
        for (auto it = channels.begin(); it != channels.end();) {
            busy = (*it)->step() || busy;
            if ((*it)->state() == ssh::channel_pump::phase::finished) {
                spdlog::debug("bastion {}: a channel ended", settings.name);
                release_slot();
                it = channels.erase(it);
                continue;
            }
            ++it;
        }
        flushed = ssh_blocking_flush(s, 0);
        if (flushed == SSH_ERROR || session_dead(s)) break;
        unflushed = flushed == SSH_AGAIN;
        const auto interval = settings.keepalive_interval;
        if (interval.count() > 0 && steady::now() - last_keepalive >= interval) {
            // Nothing received since the last round, keepalive answer included: one more
            // unanswered round. (A stream that is not TCP is only watched by libssh.)
            const auto now_heard = bytes_received(ssh_get_fd(s));
            unanswered = heard && now_heard && *now_heard == *heard ? unanswered + 1 : 0;
            heard = now_heard;
            ssh_send_keepalive(s);
            last_keepalive = steady::now();
            if (unanswered > max_unanswered_keepalives) {
                spdlog::warn("bastion {}: no answer to {} keepalives; closing the session",
                             settings.name, max_unanswered_keepalives);
                break;
            }
        }
    }
    // Stopped or dead: every stream over this session ends now.
    dead = true;
    if (!stopping)
        spdlog::info("bastion {}: session closed ({} channel(s) open, {} abandoned open(s))",
                     settings.name, channels.size(), opens.abandoned());
    std::deque<std::shared_ptr<forward_request>> waiting;
    {
        std::lock_guard lock(mutex);
        waiting.swap(requests);
    }
    for (std::size_t i = 0; i < waiting.size(); ++i) release_slot();  // queued, never opened
    for (auto& channel : channels) {
        channel->finish();
        release_slot();
    }
    channels.clear();
    opens.fail_all();
    for (auto& request : waiting) {
        forward_result lost;
        lost.session_lost = true;
        lost.error = router_error{error_kind::connect,
                                  "the session to bastion " + settings.name + " closed"};
        ssh::deliver(*request, std::move(lost));
    }
}

ssh_tunnel::ssh_tunnel(std::shared_ptr<state> s) : state_(std::move(s)) {}

std::unique_ptr<ssh_tunnel> ssh_tunnel::start(ssh_connection bastion, tunnel_settings settings) {
    auto s = std::make_shared<state>();
    s->session = ssh::session_access::take(bastion);
    s->settings = std::move(settings);
    int pipe_ends[2];
    if (!s->session || ::pipe2(pipe_ends, O_CLOEXEC | O_NONBLOCK) != 0) {
        s->dead = true;
        return std::unique_ptr<ssh_tunnel>(new ssh_tunnel(std::move(s)));
    }
    s->wake_read = pipe_ends[0];
    s->wake_write = pipe_ends[1];
    // A flush inside ssh_channel_write waits at most this long for a full socket.
    long one_second = 1;
    ssh_options_set(s->session.get(), SSH_OPTIONS_TIMEOUT, &one_second);
    state* raw = s.get();
    s->pump = std::thread([raw] { raw->run(); });
    return std::unique_ptr<ssh_tunnel>(new ssh_tunnel(std::move(s)));
}

ssh_tunnel::~ssh_tunnel() {
    state_->stopping = true;
    if (state_->pump.joinable()) {
        state_->wake();
        state_->pump.join();
    }
}

bool ssh_tunnel::try_reserve(std::size_t max_channels) {
    auto now = state_->slots.load();
    do {
        if (state_->dead || now >= max_channels) return false;
    } while (!state_->slots.compare_exchange_weak(now, now + 1));
    return true;
}

void ssh_tunnel::release() {
    state_->release_slot();
}

forward_result ssh_tunnel::forward(const std::string& host, std::uint16_t port,
                                   std::chrono::milliseconds timeout,
                                   const std::atomic<bool>& cancelled) {
    auto request = std::make_shared<forward_request>();
    request->host = host;
    request->port = port;
    request->deadline = steady::now() + timeout;
    {
        std::lock_guard lock(state_->mutex);
        if (state_->dead) {
            state_->release_slot();
            forward_result lost;
            lost.session_lost = true;
            lost.error = router_error{
                error_kind::connect, "the session to bastion " + state_->settings.name + " closed"};
            return lost;
        }
        state_->requests.push_back(request);
    }
    state_->wake();
    std::unique_lock lock(request->mutex);
    while (!request->done) {
        request->done_signal.wait_for(lock, std::chrono::milliseconds(50));
        if (!request->done && cancelled.load()) {
            // The pump keeps the channel until the bastion answers its open, then closes it
            // and frees the slot (detail/channel_opens.hpp).
            request->abandoned = true;
            forward_result gone;
            gone.error = router_error{error_kind::connect,
                                      "cancelled while opening a channel "
                                      "through bastion " +
                                          state_->settings.name};
            return gone;
        }
    }
    return std::move(request->result);
}

bool ssh_tunnel::alive() const {
    return !state_->dead;
}

std::size_t ssh_tunnel::channels() const {
    return state_->slots.load();
}

std::chrono::steady_clock::time_point ssh_tunnel::idle_since() const {
    return steady::time_point(steady::duration(state_->idle_since.load()));
}

}  // namespace fanout::daemon
