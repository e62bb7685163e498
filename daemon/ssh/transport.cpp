#include "daemon/ssh/transport.hpp"

#include <libssh/server.h>  // ssh_send_keepalive, which works on client sessions too
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "daemon/ssh/detail/auth.hpp"
#include "daemon/ssh/detail/command.hpp"
#include "daemon/ssh/detail/configure.hpp"
#include "daemon/ssh/detail/handles.hpp"
#include "daemon/ssh/detail/host_key.hpp"
#include "daemon/ssh/detail/netconf_channel.hpp"
#include "daemon/ssh/detail/session_access.hpp"
#include "daemon/ssh/detail/wait.hpp"
#include "daemon/ssh/known_hosts.hpp"
#include "daemon/ssh/proxy_command.hpp"

namespace fanout::daemon {
namespace {

using protocol::error_kind;
using protocol::router_error;
using ssh::clock;

std::optional<router_error> connect(ssh_session session, const std::string& host,
                                    clock::time_point deadline, std::chrono::milliseconds budget,
                                    const std::atomic<bool>& cancelled, connect_stage& stage,
                                    bool tcp_connected) {
    ssh::socket_waiter waiter;
    stage = connect_stage::transport;
    for (;;) {
        int rc = ssh_connect(session);
        if (rc == SSH_OK) return std::nullopt;
        if (rc != SSH_AGAIN) {
            auto why = ssh::last_error(session);
            // libssh: "kex error : no match for method <kind>: server [...], client [...]".
            if (why.find("no match for method") != std::string::npos) {
                stage = connect_stage::negotiation;
                return router_error{error_kind::connect, "no SSH algorithm in common with " + host +
                                                             " (check the router's "
                                                             "\"ssh\" lists): " +
                                                             why};
            }
            return router_error{error_kind::connect, "cannot connect to " + host + ": " + why};
        }
        // Until the TCP handshake completes, libssh waits for the socket to become writable.
        auto waited = waiter.wait(session, deadline, cancelled, !tcp_connected);
        tcp_connected = tcp_connected || waited.writable;
        if (waited.status != ssh::wait_status::ready)
            return ssh::interrupted(
                waited.status,
                tcp_connected ? "SSH banner / key exchange with " + host : "TCP connect to " + host,
                budget);
    }
}

}  // namespace

struct ssh_connection::impl {
    // Before `session`: a ProxyCommand child outlives the session that reads its stream.
    std::optional<ssh::proxy_process> proxy;
    ssh::owned_session session;
    // After `session`: destroyed first, while the session is still there.
    std::optional<ssh::netconf_channel> netconf;
    std::string name;
    std::size_t max_output_bytes = 0;
    bool lost = false;

    impl() = default;
    impl(const impl&) = delete;
    impl& operator=(const impl&) = delete;
    ~impl() {
        if (netconf && !lost) netconf->close_session();
    }
};

ssh_connection::ssh_connection(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
ssh_connection::ssh_connection(ssh_connection&&) noexcept = default;
ssh_connection& ssh_connection::operator=(ssh_connection&&) noexcept = default;
ssh_connection::~ssh_connection() = default;

std::variant<ssh_connection, router_error> ssh_connection::open(const device& target,
                                                                const transport_options& options,
                                                                const std::atomic<bool>& cancelled,
                                                                connect_stage* failed_at,
                                                                int connected_socket) {
    // Owns `connected_socket` until the session does (owned_session: libssh 0.10.6 never
    // closes a descriptor it was given).
    struct socket_guard {
        int fd;
        ~socket_guard() {
            if (fd >= 0) ::close(fd);
        }
    } given{connected_socket};
    connect_stage ignored = connect_stage::setup;
    connect_stage& stage = failed_at ? *failed_at : ignored;
    stage = connect_stage::setup;
    const auto budget = options.connect_timeout;
    // The router's time budget (options.not_after) bounds every phase, also after ssh_config.
    auto deadline = std::min(clock::now() + budget, options.not_after);
    const std::string host = known_hosts_file::host_name(target.ip, target.port);
    if (cancelled.load()) return ssh::interrupted(ssh::wait_status::cancelled, "connect", budget);

    ssh::key_ptr key;
    if (target.auth == device::auth_type::ssh_key) {
        auto loaded = ssh::load_private_key(target);
        if (auto* error = std::get_if<router_error>(&loaded)) return *error;
        key = std::move(std::get<ssh::key_ptr>(loaded));
    }

    // A ProxyCommand (ssh_config) carries this connection: started here, on the thread that
    // owns the connection, and ended after the session (declared before it).
    std::optional<ssh::proxy_process> proxy;
    if (given.fd < 0 && !target.proxy_command.empty()) {
        auto started = ssh::proxy_process::start(target.proxy_command);
        if (auto* why = std::get_if<std::string>(&started))
            return router_error{error_kind::connect,
                                "cannot start the ProxyCommand for " + host + ": " + *why};
        proxy.emplace(std::move(std::get<ssh::proxy_process>(started)));
        given.fd = proxy->take_stream();
    }
    const bool connected = given.fd >= 0;
    auto with_proxy_status = [&](router_error error) {
        if (proxy)
            if (auto ended = proxy->ended(std::chrono::milliseconds(200)))
                error.message += " (the ProxyCommand " + *ended + ")";
        return error;
    };

    ssh::owned_session session(ssh_new());
    if (!session) return router_error{error_kind::internal, "cannot allocate an SSH session"};
    if (auto error = ssh::configure(session.get(), target, options, host)) return *error;
    if (given.fd >= 0) {
        socket_t fd = given.fd;
        if (ssh_options_set(session.get(), SSH_OPTIONS_FD, &fd) != 0)
            return router_error{error_kind::internal, "invalid SSH option fd"};
        session.own_stream(std::exchange(given.fd, -1));  // closed with the session
    }

    if (!target.ssh_config.empty()) {
        if (options.not_after != clock::time_point::max()) {
            // A time budget caps the file's ConnectTimeout (whole seconds, rounded up).
            const auto limit =
                std::min<clock::duration>(target.connect_timeout.value_or(options.connect_timeout),
                                          options.not_after - clock::now());
            long seconds =
                static_cast<long>(std::chrono::ceil<std::chrono::seconds>(limit).count());
            seconds = std::max(seconds, 1L);
            ssh_options_set(session.get(), SSH_OPTIONS_TIMEOUT, &seconds);
        }
        if (auto error = ssh::connect_with_ssh_config(session.get(), target, host, stage))
            return with_proxy_status(*error);
        deadline = std::min(clock::now() + budget, options.not_after);
    } else {
        ssh_set_blocking(session.get(), 0);
        if (auto error =
                connect(session.get(), host, deadline, budget, cancelled, stage, connected))
            return with_proxy_status(*error);
    }
    stage = connect_stage::host_key;
    if (auto error = ssh::verify_host_key(session.get(), host, options)) return *error;
    stage = connect_stage::authentication;
    if (auto error =
            ssh::authenticate(session.get(), target, key.get(), deadline, budget, cancelled))
        return *error;
    spdlog::debug("{}: connected to {} as '{}' (kex {}, cipher {})", target.name, host,
                  target.username,
                  ssh_get_kex_algo(session.get()) ? ssh_get_kex_algo(session.get()) : "?",
                  ssh_get_cipher_out(session.get()) ? ssh_get_cipher_out(session.get()) : "?");

    auto state = std::make_unique<impl>();
    if (target.transport == transport_kind::netconf) {
        stage = connect_stage::netconf;
        auto opened = ssh::netconf_channel::open(session.get(), deadline, budget, cancelled,
                                                 options.max_output_bytes, state->lost);
        if (auto* error = std::get_if<router_error>(&opened)) return *error;
        state->netconf.emplace(std::move(std::get<ssh::netconf_channel>(opened)));
        spdlog::debug("{}: NETCONF session open ({})", target.name,
                      framing_name(state->netconf->mode()));
    }
    state->session = std::move(session);
    if (proxy) state->proxy.emplace(std::move(*proxy));
    state->name = target.name;
    state->max_output_bytes = options.max_output_bytes;
    return ssh_connection(std::move(state));
}

command_outcome ssh_connection::run(const std::string& command, std::chrono::milliseconds timeout,
                                    const std::atomic<bool>& cancelled,
                                    protocol::output_format format) {
    if (!alive()) {
        command_outcome out;
        out.error = router_error{error_kind::channel, "the SSH session is no longer connected"};
        return out;
    }
    auto out = impl_->netconf
                   ? impl_->netconf->command(command, format, timeout, cancelled, impl_->lost)
                   : ssh::run_command(impl_->session.get(), command, timeout,
                                      impl_->max_output_bytes, cancelled, impl_->lost);
    spdlog::debug("{}: '{}' -> {}{}{}", impl_->name, command, protocol::to_string(out.status),
                  out.error ? ": " + out.error->message : std::string(),
                  out.truncated ? " (truncated)" : "");
    return out;
}

command_outcome ssh_connection::run_operation(const std::string& operation_xml,
                                              std::chrono::milliseconds timeout,
                                              const std::atomic<bool>& cancelled) {
    command_outcome out;
    if (!impl_ || !impl_->netconf) {
        out.error = router_error{error_kind::internal, "not a NETCONF session"};
        return out;
    }
    if (!alive()) {
        out.error = router_error{error_kind::channel, "the SSH session is no longer connected"};
        return out;
    }
    return impl_->netconf->operation(operation_xml, timeout, cancelled, impl_->lost);
}

transport_kind ssh_connection::transport() const {
    return impl_ && impl_->netconf ? transport_kind::netconf : transport_kind::ssh;
}

bool ssh_connection::alive() const {
    if (!impl_ || !impl_->session || impl_->lost) return false;
    if (impl_->netconf && !impl_->netconf->in_step()) return false;
    ssh_session session = impl_->session.get();
    return ssh_is_connected(session) &&
           (ssh_get_status(session) & (SSH_CLOSED | SSH_CLOSED_ERROR)) == 0;
}

bool ssh_connection::usable() {
    if (!alive()) return false;
    if (impl_->netconf && !impl_->netconf->poll_in_step()) return false;
    int fd = ssh_get_fd(impl_->session.get());
    if (fd < 0) return false;
    pollfd check{fd, POLLIN, 0};
    if (::poll(&check, 1, 0) < 0) return false;
    if (check.revents & (POLLERR | POLLHUP | POLLNVAL)) return false;
    if ((check.revents & POLLIN) == 0) return true;
    // Pending bytes are normal (a channel close, a keepalive reply); end of stream is not.
    char byte;
    ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR));
}

void ssh_connection::send_keepalive() {
    if (!alive()) return;
    // In non-blocking mode one call either sends a keepalive or, while one is outstanding,
    // collects its answer; two calls send one whenever the previous one was answered.
    ssh_send_keepalive(impl_->session.get());
    ssh_send_keepalive(impl_->session.get());
}

ssh::owned_session ssh::session_access::take(ssh_connection& connection) {
    if (!connection.impl_) return {};
    return std::move(connection.impl_->session);
}

}  // namespace fanout::daemon
