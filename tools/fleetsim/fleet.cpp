#include "tools/fleetsim/fleet.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "tools/fleetsim/bastion_server.hpp"
#include "tools/fleetsim/blackhole.hpp"
#include "tools/fleetsim/fleet_files.hpp"
#include "tools/fleetsim/fleet_listener.hpp"
#include "tools/fleetsim/host_keys.hpp"
#include "tools/fleetsim/router_server.hpp"
#include "tools/fleetsim/ssh_handles.hpp"

namespace fanout::fleetsim {
namespace {

constexpr std::size_t connection_stack_bytes = 256 * 1024;

// epoll data: the tag in the high 32 bits, an index or fd in the low 32.
enum class poll_tag : std::uint64_t { wake = 1, listener = 2, hung = 3 };

std::uint64_t poll_key(poll_tag tag, std::uint32_t value) {
    return (static_cast<std::uint64_t>(tag) << 32) | value;
}

[[noreturn]] void fail_errno(const std::string& what) {
    throw std::runtime_error("fleetsim: " + what + ": " + std::strerror(errno));
}

listener open_router_listener(const router_spec& router, std::uint32_t address_host,
                              std::uint16_t port) {
    listener l = open_listener(router.name, router.fault != fault_kind::refuse, address_host, port);
    l.router = &router;
    return l;
}

}  // namespace

struct fleet::impl {
    struct connection_job {
        impl* owner;
        std::uint64_t id;
        session_ptr session;
        const router_spec* router;  // null for a bastion's connection
        const bastion_spec* bastion;
    };

    fleet_options options;
    key_ptr host_key;
    key_ptr wrong_key;
    key_ptr client_key;
    key_ptr client_public;
    bind_ptr normal_bind;
    bind_ptr wrong_bind;
    std::unique_ptr<bastion_hosts> bastions;
    latency_source latency;
    server_settings settings;
    std::atomic<bool> stopping{false};
    std::atomic<std::uint64_t> accepted{0};  // TCP connections, every fault included
    std::atomic<std::uint64_t> netconf_sessions{0};
    std::atomic<std::uint64_t> netconf_rpcs{0};
    std::atomic<std::uint64_t> execs_running{0};
    std::atomic<std::uint64_t> execs_peak{0};

    std::vector<listener> listeners;
    std::vector<blackhole_port> blackholes;  // their listeners have fd -1
    int epoll_fd = -1;
    int wake_fd = -1;
    std::thread accept_thread;
    std::unordered_set<int> hung_fds;  // hang_banner connections; accept thread only

    std::mutex mutex;
    std::condition_variable idle;
    std::unordered_map<std::uint64_t, int> live_fds;  // connection id -> socket
    std::size_t live_threads = 0;
    std::uint64_t next_id = 0;

    explicit impl(fleet_options opts)
        : options(std::move(opts)), latency(options.latency, options.jitter, options.seed) {}

    ~impl() {
        for (auto& l : listeners) {
            if (l.fd >= 0) ::close(l.fd);
        }
        for (int fd : hung_fds) ::close(fd);
        if (epoll_fd >= 0) ::close(epoll_fd);
        if (wake_fd >= 0) ::close(wake_fd);
    }

    void make_keys() {
        host_key = generate_ed25519();
        wrong_key = generate_ed25519();
        client_key = generate_ed25519();
        ssh_key pub = nullptr;
        if (ssh_pki_export_privkey_to_pubkey(client_key.get(), &pub) != SSH_OK) {
            throw std::runtime_error("fleetsim: cannot derive the client public key");
        }
        client_public.reset(pub);
        normal_bind = make_server_bind(host_key.get());
        wrong_bind = make_server_bind(wrong_key.get());
        bastions = std::make_unique<bastion_hosts>(options.bastions);
    }

    // Every router address becomes a permitted bastion destination; then one listener per
    // bastion (a down bastion's never listens).
    void open_bastions() {
        for (const auto& l : listeners)
            bastions->allow(dotted(l.address), l.port, l.router->fault == fault_kind::slow_forward);
        for (const auto& bastion : options.bastions) {
            listener l = open_listener(bastion.name, bastion.fault != bastion_fault::down,
                                       INADDR_LOOPBACK, 0);
            l.bastion = &bastion;
            listeners.push_back(l);
            if (bastion.fault == bastion_fault::down) continue;
            const auto index = static_cast<std::uint32_t>(listeners.size() - 1);
            if (!add_to_poll(l.fd, poll_key(poll_tag::listener, index))) fail_errno("epoll_ctl");
        }
    }

    void write_files() const {
        fleet_files files;
        files.out_dir = options.out_dir;
        files.username = options.username;
        files.password = options.password;
        files.host_key_line = public_key_line(host_key.get());
        bool any_key_auth = false;
        for (const auto& l : listeners) {
            if (l.bastion != nullptr) {
                files.bastions.push_back({l.bastion->name, dotted(l.address), l.port,
                                          l.bastion->key_auth,
                                          bastions->host_key_line(*l.bastion)});
                any_key_auth = any_key_auth || l.bastion->key_auth;
                continue;
            }
            const int jump = l.router->bastion;
            files.routers.push_back({l.router->name, dotted(l.address), l.port, l.router->key_auth,
                                     l.router->netconf_only, jump > 0 ? bastion_name(jump) : ""});
            any_key_auth = any_key_auth || l.router->key_auth;
        }
        if (any_key_auth) {
            files.client_private_key = private_key_text(client_key.get());
            files.client_public_line = public_key_line(client_public.get()) + " fleetsim-client";
        }
        write_fleet_files(files);
    }

    bool add_to_poll(int fd, std::uint64_t key) {
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = key;
        return ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) == 0;
    }

    void accept_loop() {
        epoll_event events[256];
        while (!stopping.load()) {
            int n = ::epoll_wait(epoll_fd, events, 256, -1);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                std::fprintf(stderr, "fleetsim: epoll_wait: %s\n", std::strerror(errno));
                return;
            }
            for (int i = 0; i < n; ++i) {
                const auto tag = static_cast<poll_tag>(events[i].data.u64 >> 32);
                const auto value = static_cast<std::uint32_t>(events[i].data.u64);
                if (tag == poll_tag::wake) return;
                if (tag == poll_tag::listener) accept_all(listeners[value]);
                if (tag == poll_tag::hung) drain_hung(static_cast<int>(value));
            }
        }
    }

    void accept_all(const listener& l) {
        for (;;) {
            const bool hang = l.router != nullptr && l.router->fault == fault_kind::hang_banner;
            int fd = ::accept4(l.fd, nullptr, nullptr, SOCK_CLOEXEC | (hang ? SOCK_NONBLOCK : 0));
            if (fd < 0) {
                if (errno == EINTR || errno == ECONNABORTED) continue;
                if (errno == EMFILE || errno == ENFILE) {
                    std::fprintf(stderr, "fleetsim: accept: %s\n", std::strerror(errno));
                    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // back off
                }
                return;
            }
            if (l.router != nullptr) accepted.fetch_add(1, std::memory_order_relaxed);
            if (hang) {
                if (!add_to_poll(fd, poll_key(poll_tag::hung, static_cast<std::uint32_t>(fd)))) {
                    ::close(fd);
                    continue;
                }
                hung_fds.insert(fd);
                log_event(settings, l.router->name, "accepted, never sending a banner");
                continue;
            }
            int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            if (l.bastion != nullptr) bastions->count_connection(*l.bastion);
            start_connection(fd, l);
        }
    }

    // A hang_banner connection: read and discard until the client closes.
    void drain_hung(int fd) {
        char buffer[4096];
        for (;;) {
            ssize_t n = ::read(fd, buffer, sizeof buffer);
            if (n > 0) continue;
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
            ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
            ::close(fd);
            hung_fds.erase(fd);
            return;
        }
    }

    ssh_bind bind_for(const listener& l) const {
        if (l.bastion != nullptr) return bastions->bind_for(*l.bastion, wrong_bind.get());
        return l.router->fault == fault_kind::wrong_host_key ? wrong_bind.get() : normal_bind.get();
    }

    void start_connection(int fd, const listener& l) {
        const std::string& name = l.bastion != nullptr ? l.bastion->name : l.router->name;
        session_ptr session(ssh_new());
        ssh_bind bind = bind_for(l);
        if (!session || ssh_bind_accept_fd(bind, session.get(), fd) != SSH_OK) {
            std::fprintf(stderr, "fleetsim: %s: cannot set up a session: %s\n", name.c_str(),
                         ssh_get_error(bind));
            // The session owns the socket only once accept_fd got that far.
            if (!session || ssh_get_fd(session.get()) != fd) ::close(fd);
            return;
        }
        auto* job = new connection_job{this, 0, std::move(session), l.router, l.bastion};
        {
            std::lock_guard lock(mutex);
            job->id = next_id++;
            live_fds.emplace(job->id, fd);
            ++live_threads;
        }
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setstacksize(&attributes, connection_stack_bytes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        pthread_t thread;
        int rc = pthread_create(&thread, &attributes, &impl::connection_main, job);
        pthread_attr_destroy(&attributes);
        if (rc != 0) {
            std::fprintf(stderr, "fleetsim: %s: cannot start a thread: %s\n", name.c_str(),
                         std::strerror(rc));
            release(job);
        }
    }

    static void* connection_main(void* argument) {
        auto* job = static_cast<connection_job*>(argument);
        if (job->bastion != nullptr) {
            job->owner->bastions->serve(job->session.get(), *job->bastion, job->owner->settings);
        } else {
            serve_connection(job->session.get(), *job->router, job->owner->settings);
        }
        job->owner->release(job, /*connection_thread=*/true);
        return nullptr;
    }

    // Unregisters the socket before the session closes it, so stop() never shuts down a
    // reused descriptor; the thread count drops only after the session is freed, and on a
    // connection thread after its OpenSSL state (its random generators) is freed too: left to
    // the thread's exit, that can outlive stop() and LeakSanitizer reports it at exit.
    void release(connection_job* job, bool connection_thread = false) {
        {
            std::lock_guard lock(mutex);
            live_fds.erase(job->id);
        }
        impl* owner = job->owner;
        delete job;
        if (connection_thread) OPENSSL_thread_stop();
        std::lock_guard lock(owner->mutex);
        --owner->live_threads;
        owner->idle.notify_all();
    }
};

fleet::fleet(fleet_options options) : impl_(std::make_unique<impl>(std::move(options))) {}

fleet::~fleet() {
    if (impl_->accept_thread.joinable()) stop();
}

void fleet::start() {
    impl& m = *impl_;
    m.make_keys();
    m.settings.username = m.options.username;
    m.settings.password = m.options.password;
    m.settings.client_public = m.client_public.get();
    m.settings.latency = &m.latency;
    m.settings.huge_bytes = m.options.huge_bytes;
    m.settings.trickle = m.options.trickle;
    m.settings.slow_forward = m.options.slow_forward;
    m.settings.interfaces = m.options.interfaces;
    m.settings.netconf_sessions = &m.netconf_sessions;
    m.settings.netconf_rpcs = &m.netconf_rpcs;
    m.settings.execs_running = &m.execs_running;
    m.settings.execs_peak = &m.execs_peak;
    m.settings.stopping = &m.stopping;
    m.settings.verbose = m.options.verbose;

    m.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    m.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m.epoll_fd < 0 || m.wake_fd < 0) fail_errno("epoll/eventfd");
    if (!m.add_to_poll(m.wake_fd, poll_key(poll_tag::wake, 0))) fail_errno("epoll_ctl");

    m.listeners.reserve(m.options.plan.size());
    for (const auto& router : m.options.plan) {
        if (router.fault == fault_kind::blackhole) {
            m.blackholes.emplace_back(router.name);
            m.listeners.push_back({-1, m.blackholes.back().port(), &router});
            continue;
        }
        const bool own_address = router.netconf_only && m.options.netconf_port.has_value();
        m.listeners.push_back(open_router_listener(
            router, own_address ? netconf_address(router.index) : INADDR_LOOPBACK,
            own_address ? *m.options.netconf_port : 0));
        if (router.fault != fault_kind::refuse) {
            const auto index = static_cast<std::uint32_t>(m.listeners.size() - 1);
            if (!m.add_to_poll(m.listeners.back().fd, poll_key(poll_tag::listener, index))) {
                fail_errno("epoll_ctl");
            }
        }
    }
    m.open_bastions();
    m.write_files();
    m.accept_thread = std::thread([&m] { m.accept_loop(); });
}

std::uint64_t fleet::connections_accepted() const {
    return impl_->accepted.load(std::memory_order_relaxed);
}

std::uint64_t fleet::netconf_sessions() const {
    return impl_->netconf_sessions.load(std::memory_order_relaxed);
}

std::vector<bastion_count> fleet::bastion_counts() const {
    return impl_->bastions ? impl_->bastions->counts() : std::vector<bastion_count>{};
}

std::uint64_t fleet::execs_running() const {
    return impl_->execs_running.load(std::memory_order_relaxed);
}

std::uint64_t fleet::execs_peak() const {
    return impl_->execs_peak.load(std::memory_order_relaxed);
}

std::uint64_t fleet::netconf_rpcs() const {
    return impl_->netconf_rpcs.load(std::memory_order_relaxed);
}

bool fleet::stop(std::chrono::milliseconds grace) {
    impl& m = *impl_;
    m.stopping.store(true);
    if (m.accept_thread.joinable()) {
        const std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(m.wake_fd, &one, sizeof one);
        m.accept_thread.join();
    }
    for (auto& l : m.listeners) {
        if (l.fd >= 0) ::close(l.fd);
        l.fd = -1;
    }
    std::unique_lock lock(m.mutex);
    for (const auto& [id, fd] : m.live_fds) ::shutdown(fd, SHUT_RDWR);
    return m.idle.wait_for(lock, grace, [&m] { return m.live_threads == 0; });
}

}  // namespace fanout::fleetsim
