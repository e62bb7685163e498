#include "daemon/ssh/algorithms.hpp"

#include <libssh/libssh.h>

#include <map>
#include <string>
#include <utility>

#include "daemon/ssh/detail/handles.hpp"

namespace fanout::daemon {
namespace {

// libssh drops the names it does not know from a list and fails only when none is left, so
// each name is tried on its own.
bool supported(ssh_options_e option, const std::string& name) {
    ssh::session_ptr session(ssh_new());
    if (!session) throw inventory_error("cannot allocate an SSH session to check algorithms");
    return ssh_options_set(session.get(), option, name.c_str()) == SSH_OK;
}

}  // namespace

void check_ssh_algorithms(const inventory& devices, std::string_view source) {
    const struct {
        const char* field;
        std::string ssh_algorithms::*member;
        ssh_options_e option;
    } fields[] = {
        {"ssh.kex_algorithms", &ssh_algorithms::key_exchange, SSH_OPTIONS_KEY_EXCHANGE},
        {"ssh.host_key_algorithms", &ssh_algorithms::host_keys, SSH_OPTIONS_HOSTKEYS},
        {"ssh.ciphers", &ssh_algorithms::ciphers, SSH_OPTIONS_CIPHERS_C_S},
        {"ssh.macs", &ssh_algorithms::macs, SSH_OPTIONS_HMAC_C_S},
    };
    std::map<std::pair<int, std::string>, bool> known;
    for (const auto& d : devices.devices()) {
        for (const auto& f : fields) {
            const std::string& list = d.algorithms.*(f.member);
            std::size_t start = 0;
            while (start < list.size()) {
                auto end = list.find(',', start);
                if (end == std::string::npos) end = list.size();
                std::string name = list.substr(start, end - start);
                start = end + 1;
                auto [it, fresh] = known.try_emplace({static_cast<int>(f.option), name}, false);
                if (fresh) it->second = supported(f.option, name);
                if (!it->second)
                    throw inventory_error(std::string(source) + ": router '" + d.name +
                                          "': field '" + f.field + "': '" + name +
                                          "' is not an algorithm this libssh (" + ssh_version(0) +
                                          ") supports");
            }
        }
    }
}

}  // namespace fanout::daemon
