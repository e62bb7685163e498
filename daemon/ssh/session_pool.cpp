#include "daemon/ssh/session_pool.hpp"

#include <functional>

#include "daemon/ssh/connect_retry.hpp"

namespace fanout::daemon {

std::string session_key_of(const device& target) {
    const std::size_t secrets =
        std::hash<std::string>{}(target.password.reveal() + '\0' + target.passphrase.reveal());
    std::string key;
    const auto& a = target.algorithms;
    for (const std::string* part :
         {&target.name, &target.ip, &target.username, &target.private_key_path, &a.key_exchange,
          &a.host_keys, &a.ciphers, &a.macs}) {
        key += *part;
        key += '\0';
    }
    key += std::to_string(target.port) + '\0';
    key += target.auth == device::auth_type::password ? "password" : "ssh_key";
    key += '\0' + std::to_string(secrets);
    // An exec session must never serve a netconf router, nor the other way round.
    key += '\0';
    key += transport_name(target.transport);
    // How the connection is made beyond ip and port (issue 12): two entries that differ only in
    // their ssh_config file, its Host name, the ProxyCommand or ConnectTimeout it gives must
    // not share a session.
    for (const std::string* part : {&target.proxy_command, &target.ssh_config_host}) {
        key += '\0';
        key += *part;
    }
    key += '\0' + target.ssh_config.string();
    key += '\0' + (target.connect_timeout ? std::to_string(target.connect_timeout->count()) : "");
    key += via_key_part(target.jump);  // last: the bastion hub matches the key's end
    return key;
}

std::string via_key_part(const std::vector<std::string>& jump) {
    if (jump.empty()) return {};
    std::string part = "\x1dvia";
    for (const auto& hop : jump) part += '\x1f' + hop;
    return part + '\x1d';
}

session_pool::opener ssh_session_opener(transport_options options) {
    return [options = std::move(options)](const device& target, const std::atomic<bool>& cancelled,
                                          const router_limits& limits) {
        auto budget =
            time_budget::resolve(limits, target.connect_timeout.value_or(options.connect_timeout),
                                 std::chrono::steady_clock::now());
        return open_with_retries(target, options, cancelled, budget);
    };
}

}  // namespace fanout::daemon
