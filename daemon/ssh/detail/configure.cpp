#include "daemon/ssh/detail/configure.hpp"

#include "daemon/ssh/detail/handles.hpp"
#include "daemon/ssh/detail/host_key.hpp"
#include "daemon/ssh/ssh_config.hpp"

namespace fanout::daemon::ssh {
namespace {

using protocol::error_kind;
using protocol::router_error;

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
            return router_error{
                error_kind::internal,
                std::string("invalid SSH option ") + setting->name + ": " + last_error(session)};
    }
    return std::nullopt;
}

}  // namespace

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
    std::string daemon_host_keys =
        order_host_key_algorithms(options.host_key_algorithms, known_key_types(host, options));
    std::string own_host_keys =
        own.host_keys.empty()
            ? std::string()
            : order_host_key_algorithms(own.host_keys, known_key_types(host, options));
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

std::optional<router_error> connect_with_ssh_config(ssh_session session, const device& target,
                                                    const std::string& host, connect_stage& stage) {
    stage = connect_stage::transport;
    ssh_set_blocking(session, 1);
    int rc = ssh_connect(session);
    ssh_set_blocking(session, 0);
    if (rc == SSH_OK) return std::nullopt;
    auto why = last_error(session);
    if (why.find("no match for method") != std::string::npos) {
        stage = connect_stage::negotiation;
        return router_error{error_kind::connect, "no SSH algorithm in common with " + host +
                                                     " (check the router's \"ssh\" lists and its "
                                                     "ssh_config file): " +
                                                     why};
    }
    if (why.find("Timeout connecting") != std::string::npos)
        return router_error{error_kind::timeout,
                            "TCP connect / SSH banner / key exchange with " + host +
                                " took longer than its ConnectTimeout (ssh_config '" +
                                target.ssh_config.string() + "', else --connect-timeout)"};
    return router_error{error_kind::connect, "cannot connect to " + host + ": " + why};
}

}  // namespace fanout::daemon::ssh
