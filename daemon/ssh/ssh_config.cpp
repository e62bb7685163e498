#include "daemon/ssh/ssh_config.hpp"

#include <fcntl.h>
#include <libssh/libssh.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

namespace fanout::daemon {
namespace {

// Set before parsing: libssh reports them back unchanged unless the file replaced them.
constexpr const char* unset_identity = "/fanout-no-identity-file";
constexpr const char* unset_known_hosts = "/fanout-no-known-hosts-file";

struct session_free {
    void operator()(ssh_session s) const { ssh_free(s); }
};
using session_ptr = std::unique_ptr<ssh_session_struct, session_free>;

std::optional<std::string> get_string(ssh_session session, ssh_options_e option) {
    char* value = nullptr;
    if (ssh_options_get(session, option, &value) != SSH_OK || value == nullptr) return std::nullopt;
    std::string out(value);
    ssh_string_free_char(value);
    return out;
}

// libssh 0.10 returns success for a file it cannot open (it reads nothing): check first.
void check_readable(const std::filesystem::path& file) {
    int fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) throw ssh_config_error("cannot be read: " + std::string(std::strerror(errno)));
    struct stat st {};
    bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    ::close(fd);
    if (!regular) throw ssh_config_error("is not a regular file");
}

std::string expand_home(std::string path) {
    if (path.rfind("~/", 0) != 0) return path;
    const char* home = std::getenv("HOME");
    return home ? std::string(home) + path.substr(1) : path;
}

bool shell_safe(const std::string& value) {
    if (value.empty()) return false;
    for (char c : value)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
              c == ':' || c == '@'))  // no [ ]: a shell would glob them
            return false;
    return true;
}

// libssh's ssh_config_parse_uri: [user@]host[:port], host possibly in [brackets].
std::optional<jump_hop> split_hop(const std::string& text) {
    jump_hop hop;
    std::string rest = text;
    if (auto at = rest.find('@'); at != std::string::npos) {
        hop.user = rest.substr(0, at);
        rest = rest.substr(at + 1);
    }
    std::string port;
    if (!rest.empty() && rest[0] == '[') {
        auto close = rest.find(']');
        if (close == std::string::npos) return std::nullopt;
        hop.host = rest.substr(1, close - 1);
        if (close + 1 < rest.size()) {
            if (rest[close + 1] != ':') return std::nullopt;
            port = rest.substr(close + 2);
        }
    } else if (auto colon = rest.find(':'); colon != std::string::npos) {
        hop.host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
    } else {
        hop.host = rest;
    }
    if (hop.host.empty()) return std::nullopt;
    if (!port.empty()) {
        char* end = nullptr;
        long value = std::strtol(port.c_str(), &end, 10);
        if (*end != '\0' || value < 1 || value > 65535) return std::nullopt;
        hop.port = static_cast<std::uint16_t>(value);
    }
    return hop;
}

}  // namespace

void apply_ssh_config(void* session, const std::filesystem::path& file) {
    check_readable(file);
    auto s = static_cast<ssh_session>(session);
    // A LogLevel line would set libssh's log level for the whole process: keep fanoutd's. One
    // parse at a time (about 10 us each), so that no thread takes another's level for its own.
    static std::mutex parsing;
    std::lock_guard<std::mutex> one_at_a_time(parsing);
    int log_level = ssh_get_log_level();
    int rc = ssh_options_parse_config(s, file.c_str());
    if (ssh_get_log_level() != log_level) {
        ssh_set_log_level(log_level);
        ssh_options_set(s, SSH_OPTIONS_LOG_VERBOSITY, &log_level);
    }
    if (rc != SSH_OK) throw ssh_config_error("refused by libssh: " + std::string(ssh_get_error(s)));
}

ssh_config_entry lookup_ssh_config(const std::filesystem::path& file, const std::string& host,
                                   std::uint16_t port) {
    session_ptr session(ssh_new());
    if (!session) throw ssh_config_error("cannot allocate an SSH session");
    ssh_session s = session.get();
    bool process_config = false;
    unsigned int given_port = port;
    if (ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &process_config) != SSH_OK ||
        ssh_options_set(s, SSH_OPTIONS_SSH_DIR, "/dev/null") != SSH_OK ||
        ssh_options_set(s, SSH_OPTIONS_HOST, host.c_str()) != SSH_OK ||
        ssh_options_set(s, SSH_OPTIONS_PORT, &given_port) != SSH_OK ||
        ssh_options_set(s, SSH_OPTIONS_ADD_IDENTITY, unset_identity) != SSH_OK ||
        ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, unset_known_hosts) != SSH_OK)
        throw ssh_config_error("host '" + host + "' is refused by libssh: " + ssh_get_error(s));
    apply_ssh_config(s, file);

    ssh_config_entry entry;
    entry.hostname = get_string(s, SSH_OPTIONS_HOST).value_or(host);
    unsigned int resolved_port = port;
    if (ssh_options_get_port(s, &resolved_port) == SSH_OK && resolved_port > 0 &&
        resolved_port <= 65535)
        entry.port = static_cast<std::uint16_t>(resolved_port);
    entry.user = get_string(s, SSH_OPTIONS_USER);
    if (auto identity = get_string(s, SSH_OPTIONS_IDENTITY);
        identity && *identity != unset_identity)
        entry.identity_file = expand_home(*identity);
    entry.proxy_command = get_string(s, SSH_OPTIONS_PROXYCOMMAND);
    entry.sets_known_hosts_file = get_string(s, SSH_OPTIONS_KNOWNHOSTS) != unset_known_hosts;
    return entry;
}

std::optional<std::vector<jump_hop>> proxy_jump_hops(const std::string& command) {
    // "ssh[ -l U][ -p P][ -J REST] -W '[%h]:%p' FIRST", snprintf'd by libssh 0.10.6's
    // ssh_config_parse_proxy_jump (src/config.c).
    const std::string tail = " -W '[%h]:%p' ";
    auto w = command.find(tail);
    if (command.rfind("ssh", 0) != 0 || w == std::string::npos) return std::nullopt;
    std::string first = command.substr(w + tail.size());
    std::string options = command.substr(3, w - 3);  // " -l U -p P -J REST" or a part of it
    std::string user, port, rest;
    auto take = [&](const char* flag, std::string& into) {
        std::string f = std::string(" ") + flag + " ";
        if (options.rfind(f, 0) != 0) return;
        auto end = options.find(' ', f.size());
        into = options.substr(f.size(), end == std::string::npos ? end : end - f.size());
        options = end == std::string::npos ? std::string() : options.substr(end);
    };
    take("-l", user);
    take("-p", port);
    take("-J", rest);
    if (!options.empty() || first.empty() || first.find(' ') != std::string::npos)
        return std::nullopt;

    std::vector<jump_hop> hops;
    jump_hop head;
    head.user = user;
    head.host = first;
    if (!port.empty()) {
        auto parsed = split_hop("h:" + port);
        if (!parsed || !parsed->port) return std::nullopt;
        head.port = parsed->port;
    }
    hops.push_back(head);
    std::size_t start = 0;
    while (!rest.empty() && start <= rest.size()) {
        auto comma = rest.find(',', start);
        auto hop =
            split_hop(rest.substr(start, comma == std::string::npos ? comma : comma - start));
        if (!hop) return std::nullopt;
        hops.push_back(*hop);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return hops;
}

std::string expand_proxy_command(const std::string& command, const std::string& host,
                                 std::uint16_t port, const std::string& user,
                                 const std::string& original_host) {
    std::string out;
    for (std::size_t i = 0; i < command.size(); ++i) {
        if (command[i] != '%') {
            out += command[i];
            continue;
        }
        if (i + 1 == command.size()) throw ssh_config_error("ProxyCommand ends with a lone '%'");
        const char token = command[++i];
        const std::string* value = nullptr;
        switch (token) {
            case '%':
                out += '%';
                continue;
            case 'p':
                out += std::to_string(port);
                continue;
            case 'h':
                value = &host;
                break;
            case 'r':
                value = &user;
                break;
            case 'n':
                value = &original_host;
                break;
            default:
                throw ssh_config_error(std::string("ProxyCommand token %") + token +
                                       " is not supported (only %h, %p, %r, %n and %%)");
        }
        if (!shell_safe(*value))
            throw ssh_config_error(std::string("ProxyCommand's %") + token + " would be \"" +
                                   *value +
                                   "\", which holds characters a shell would read; refused");
        out += *value;
    }
    return out;
}

}  // namespace fanout::daemon
