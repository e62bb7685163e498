#include "daemon/ssh/transport.hpp"

#include <libssh/server.h>  // ssh_send_keepalive, which works on client sessions too
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "daemon/ssh/detail/auth.hpp"
#include "daemon/ssh/detail/command.hpp"
#include "daemon/ssh/detail/handles.hpp"
#include "daemon/ssh/detail/host_key.hpp"
#include "daemon/ssh/detail/netconf_channel.hpp"
#include "daemon/ssh/detail/wait.hpp"
#include "daemon/ssh/known_hosts.hpp"
#include "daemon/ssh/proxy_command.hpp"
#include "daemon/ssh/ssh_config.hpp"

namespace fanout::daemon {
namespace {

using protocol::error_kind;
using protocol::router_error;
using ssh::clock;

struct option_setting {
    ssh_options_e option;
    const void* value;
    const char* name;
    bool list = false;  // an algorithm list: empty means "leave as it is"
};

std::optional<router_error> set_options(ssh_session session, const option_setting* first,
                                        const option_setting* last) {
    for (const auto* setting = first; setting != last; ++setting) {
        if (setting->list && *static_cast<const char*>(setting->value) == '\0') continue;
        if (ssh_options_set(session, setting->option, setting->value) != 0)
            return router_error{error_kind::internal, std::string("invalid SSH option ") +
                                                          setting->name + ": " +
                                                          ssh::last_error(session)};
    }
    return std::nullopt;
}

// In this order: the daemon's settings, then the router's ssh_config file (libssh's parser:
// ConnectTimeout and the algorithm lists replace the daemon's), then what the file must never
// decide (where to connect, as whom, host-key files, no ProxyCommand of libssh's own), then
// the router's own "ssh" lists, which win over the file.
std::optional<router_error> configure(ssh_session session, const device& target,
                                      const transport_options& options, const std::string& host) {
    const bool with_file = !target.ssh_config.empty();
    unsigned int port = target.port;
    long seconds = static_cast<long>(options.connect_timeout.count() / 1000);
    long micros = static_cast<long>(options.connect_timeout.count() % 1000) * 1000;
    if (with_file) {  // ConnectTimeout is whole seconds: it must replace the whole timeout
        seconds = static_cast<long>((options.connect_timeout.count() + 999) / 1000);
        micros = 0;
    }
    bool process_config = false;
    int nodelay = 1;
    const auto& own = target.algorithms;
    std::string daemon_host_keys = ssh::order_host_key_algorithms(
        options.host_key_algorithms, ssh::known_key_types(host, options));
    std::string own_host_keys =
        own.host_keys.empty()
            ? std::string()
            : ssh::order_host_key_algorithms(own.host_keys, ssh::known_key_types(host, options));
    const char* match_host = with_file && !target.ssh_config_host.empty()
                                 ? target.ssh_config_host.c_str()
                                 : target.ip.c_str();
    // The transport checks host keys itself; libssh must never read root's files.
    const option_setting daemon_settings[] = {
        {SSH_OPTIONS_PROCESS_CONFIG, &process_config, "process_config"},
        // Else libssh looks the user's home up (getpwuid: /etc/passwd) on every connect, for
        // ~/.ssh paths that fanout never uses (no config, no default identities).
        {SSH_OPTIONS_SSH_DIR, "/dev/null", "ssh_dir"},
        {SSH_OPTIONS_HOST, match_host, "host"},
        {SSH_OPTIONS_PORT, &port, "port"},
        {SSH_OPTIONS_USER, target.username.c_str(), "user"},
        {SSH_OPTIONS_TIMEOUT, &seconds, "timeout"},
        {SSH_OPTIONS_TIMEOUT_USEC, &micros, "timeout_usec"},
        {SSH_OPTIONS_NODELAY, &nodelay, "nodelay"},
        {SSH_OPTIONS_KEY_EXCHANGE, options.key_exchange.c_str(), "key exchange list", true},
        {SSH_OPTIONS_HOSTKEYS, daemon_host_keys.c_str(), "host key algorithm list", true},
        {SSH_OPTIONS_CIPHERS_C_S, options.ciphers.c_str(), "cipher list", true},
        {SSH_OPTIONS_CIPHERS_S_C, options.ciphers.c_str(), "cipher list", true},
        {SSH_OPTIONS_HMAC_C_S, options.macs.c_str(), "MAC list", true},
        {SSH_OPTIONS_HMAC_S_C, options.macs.c_str(), "MAC list", true},
    };
    if (auto error = set_options(session, std::begin(daemon_settings), std::end(daemon_settings)))
        return error;
    if (with_file) {
        try {
            apply_ssh_config(session, target.ssh_config);
        } catch (const ssh_config_error& e) {
            return router_error{error_kind::connect,
                                "ssh_config '" + target.ssh_config.string() + "' " + e.what()};
        }
    }
    const option_setting fixed_settings[] = {
        {SSH_OPTIONS_HOST, target.ip.c_str(), "host"},
        {SSH_OPTIONS_PORT, &port, "port"},
        {SSH_OPTIONS_USER, target.username.c_str(), "user"},
        {SSH_OPTIONS_KNOWNHOSTS, "/dev/null", "knownhosts"},
        {SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null", "global_knownhosts"},
        {SSH_OPTIONS_PROXYCOMMAND, "none", "proxycommand"},
        {SSH_OPTIONS_KEY_EXCHANGE, own.key_exchange.c_str(), "key exchange list", true},
        {SSH_OPTIONS_HOSTKEYS, own_host_keys.c_str(), "host key algorithm list", true},
        {SSH_OPTIONS_CIPHERS_C_S, own.ciphers.c_str(), "cipher list", true},
        {SSH_OPTIONS_CIPHERS_S_C, own.ciphers.c_str(), "cipher list", true},
        {SSH_OPTIONS_HMAC_C_S, own.macs.c_str(), "MAC list", true},
        {SSH_OPTIONS_HMAC_S_C, own.macs.c_str(), "MAC list", true},
    };
    return set_options(session, std::begin(fixed_settings), std::end(fixed_settings));
}

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
    ssh::session_ptr session;
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
    // Owns `connected_socket` until libssh does (from the first ssh_connect on, ssh_free
    // closes it).
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
    auto deadline = clock::now() + budget;
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

    ssh::session_ptr session(ssh_new());
    if (!session) return router_error{error_kind::internal, "cannot allocate an SSH session"};
    if (auto error = configure(session.get(), target, options, host)) return *error;
    if (given.fd >= 0) {
        socket_t fd = given.fd;
        if (ssh_options_set(session.get(), SSH_OPTIONS_FD, &fd) != 0)
            return router_error{error_kind::internal, "invalid SSH option fd"};
        given.fd = -1;  // the session closes it from here on
    }

    if (!target.ssh_config.empty()) {
        // libssh holds the file's ConnectTimeout (else --connect-timeout) but cannot report it,
        // and applies it only in blocking mode: TCP connect (or the ProxyCommand's stream),
        // banner and key exchange run blocking, bounded by it; host key and authentication
        // then get a --connect-timeout budget of their own. (A cancel waits for that bound.)
        stage = connect_stage::transport;
        ssh_set_blocking(session.get(), 1);
        int rc = ssh_connect(session.get());
        ssh_set_blocking(session.get(), 0);
        if (rc != SSH_OK) {
            auto why = ssh::last_error(session.get());
            if (why.find("no match for method") != std::string::npos) {
                stage = connect_stage::negotiation;
                return with_proxy_status(router_error{
                    error_kind::connect, "no SSH algorithm in common with " + host +
                                             " (check the router's \"ssh\" lists and its "
                                             "ssh_config file): " +
                                             why});
            }
            if (why.find("Timeout connecting") != std::string::npos)
                return with_proxy_status(router_error{
                    error_kind::timeout, "TCP connect / SSH banner / key exchange with " + host +
                                             " took longer than its ConnectTimeout (ssh_config '" +
                                             target.ssh_config.string() +
                                             "', else --connect-timeout)"});
            return with_proxy_status(
                router_error{error_kind::connect, "cannot connect to " + host + ": " + why});
        }
        deadline = clock::now() + budget;
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

}  // namespace fanout::daemon
