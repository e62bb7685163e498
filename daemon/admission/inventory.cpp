#include "daemon/admission/inventory.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "daemon/admission/inventory_entry.hpp"

namespace fanout::daemon {
namespace inventory_entry {

[[noreturn]] void fail(std::string_view source, std::string_view router, std::string_view field,
                       std::string_view problem) {
    std::ostringstream msg;
    msg << source << ": router '" << router << "': field '" << field << "' " << problem;
    throw inventory_error(msg.str());
}

}  // namespace inventory_entry

namespace {

using json = nlohmann::json;
using inventory_entry::escaped;
using inventory_entry::fail;
using inventory_entry::read_auth;

std::string required_string(const json& entry, std::string_view source, const std::string& router,
                            const char* field) {
    auto it = entry.find(field);
    if (it == entry.end()) fail(source, router, field, "is missing");
    if (!it->is_string()) fail(source, router, field, "must be a string");
    auto value = it->get<std::string>();
    if (value.empty()) fail(source, router, field, "must not be empty");
    return value;
}

std::uint16_t port_of(const json& entry, std::string_view source, const std::string& router) {
    auto it = entry.find("port");
    if (it == entry.end()) return 22;
    // junos-mcp-server requires an integer here; a string port is a common mistake, say so.
    if (!it->is_number_integer()) fail(source, router, "port", "must be an integer");
    auto port = it->get<long long>();
    if (port < 1 || port > 65535) fail(source, router, "port", "must be between 1 and 65535");
    return static_cast<std::uint16_t>(port);
}

// "transport": "ssh" | "netconf"; without it, netconf on port 830, else the daemon default.
transport_kind transport_of(const json& entry, std::string_view source, const device& d,
                            transport_kind default_transport) {
    auto it = entry.find("transport");
    if (it == entry.end()) return d.port == 830 ? transport_kind::netconf : default_transport;
    if (!it->is_string()) fail(source, d.name, "transport", "must be \"ssh\" or \"netconf\"");
    auto value = it->get<std::string>();
    if (value == "ssh") return transport_kind::ssh;
    if (value == "netconf") return transport_kind::netconf;
    fail(source, d.name, "transport",
         "must be \"ssh\" or \"netconf\" (got \"" + escaped(value) + "\")");
}

}  // namespace

void inventory_entry::read_auth(const json& entry, std::string_view source, device& d) {
    auto auth = entry.find("auth");
    if (auth == entry.end()) {
        // Legacy junos-mcp-server form: a top-level password and no auth block.
        auto password = entry.find("password");
        if (password == entry.end())
            fail(source, d.name, "auth", "is missing (and there is no legacy 'password')");
        if (!password->is_string()) fail(source, d.name, "password", "must be a string");
        d.auth = device::auth_type::password;
        d.password = secret(password->get<std::string>());
        return;
    }
    if (!auth->is_object()) fail(source, d.name, "auth", "must be an object");
    auto type = auth->find("type");
    if (type == auth->end()) fail(source, d.name, "auth.type", "is missing");
    if (!type->is_string()) fail(source, d.name, "auth.type", "must be a string");
    auto kind = type->get<std::string>();
    if (kind == "password") {
        auto password = auth->find("password");
        if (password == auth->end()) fail(source, d.name, "auth.password", "is missing");
        if (!password->is_string()) fail(source, d.name, "auth.password", "must be a string");
        d.auth = device::auth_type::password;
        d.password = secret(password->get<std::string>());
    } else if (kind == "ssh_key") {
        auto path = auth->find("private_key_path");
        if (path == auth->end()) fail(source, d.name, "auth.private_key_path", "is missing");
        if (!path->is_string() || path->get<std::string>().empty())
            fail(source, d.name, "auth.private_key_path", "must be a non-empty string");
        d.auth = device::auth_type::ssh_key;
        d.private_key_path = path->get<std::string>();
        if (auto pass = auth->find("passphrase"); pass != auth->end()) {
            if (!pass->is_string()) fail(source, d.name, "auth.passphrase", "must be a string");
            d.passphrase = secret(pass->get<std::string>());
        }
    } else {
        fail(source, d.name, "auth.type",
             "must be \"password\" or \"ssh_key\" (got \"" + kind + "\")");
    }
}

namespace {

// One algorithm list: a non-empty string of comma-separated names without spaces. Whether
// libssh supports each name is checked by check_ssh_algorithms() (daemon/ssh/algorithms.hpp).
std::string algorithm_list(const json& value, std::string_view source, const std::string& router,
                           const std::string& field) {
    if (!value.is_string())
        fail(source, router, field, "must be a string of comma-separated names");
    auto list = value.get<std::string>();
    if (list.empty() || list.size() > 1024)
        fail(source, router, field, "must hold 1-1024 characters");
    std::size_t start = 0;
    for (;;) {
        auto end = list.find(',', start);
        auto name =
            std::string_view(list).substr(start, end == std::string::npos ? end : end - start);
        if (name.empty()) fail(source, router, field, "has an empty name (check the commas)");
        for (char c : name)
            if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '@' || c == '.' ||
                  c == '_' || c == '+'))
                fail(source, router, field,
                     "may hold only algorithm names separated by commas, no spaces (got \"" +
                         std::string(name) + "\")");
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return list;
}

void read_ssh(const json& entry, std::string_view source, device& d) {
    auto ssh = entry.find("ssh");
    if (ssh == entry.end()) return;
    if (!ssh->is_object()) fail(source, d.name, "ssh", "must be an object");
    const struct {
        const char* key;
        std::string ssh_algorithms::*member;
    } fields[] = {
        {"kex_algorithms", &ssh_algorithms::key_exchange},
        {"host_key_algorithms", &ssh_algorithms::host_keys},
        {"ciphers", &ssh_algorithms::ciphers},
        {"macs", &ssh_algorithms::macs},
    };
    for (const auto& item : ssh->items()) {
        const std::string& key = item.key();
        const auto& value = item.value();
        auto field = std::find_if(std::begin(fields), std::end(fields),
                                  [&](const auto& f) { return key == f.key; });
        if (field == std::end(fields))
            fail(source, d.name, "ssh." + key,
                 "is not a known SSH setting (kex_algorithms, host_key_algorithms, ciphers, macs)");
        d.algorithms.*(field->member) = algorithm_list(value, source, d.name, "ssh." + key);
    }
}

// A router name as it will appear in logs, topics and replies: no control characters, so it
// can neither forge a log line nor hide from one.
bool printable_name(std::string_view name) {
    for (std::size_t i = 0; i < name.size(); ++i) {
        auto u = static_cast<unsigned char>(name[i]);
        if (u < 0x20 || u == 0x7f) return false;
        // C1 controls, U+0080..U+009F, in UTF-8 (some terminals read U+009B as CSI).
        if (u == 0xc2 && i + 1 < name.size() && static_cast<unsigned char>(name[i + 1]) < 0xa0)
            return false;
    }
    return true;
}

}  // namespace

// `name` with each control character as \xNN, safe to put in a message or a log line.
std::string inventory_entry::escaped(std::string_view name) {
    std::string out;
    for (char c : name) {
        auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u != 0x7f) {
            out += c;
            continue;
        }
        char hex[5];
        std::snprintf(hex, sizeof hex, "\\x%02x", u);
        out += hex;
    }
    return out;
}

namespace {

// "ssh_config": a path to an OpenSSH client config (junos-mcp-server's key). `~` and `~/...` are
// the daemon's $HOME, as PyEZ's os.path.expanduser; the file itself is read by
// resolve_ssh_configs() (daemon/ssh/ssh_config_resolve.hpp), not here.
void read_ssh_config(const json& entry, std::string_view source, device& d) {
    auto it = entry.find("ssh_config");
    if (it == entry.end()) return;
    if (!it->is_string() || it->get_ref<const std::string&>().empty())
        fail(source, d.name, "ssh_config", "must be a non-empty string (a file path)");
    std::string path = it->get<std::string>();
    if (path == "~" || path.rfind("~/", 0) == 0) {
        const char* home = std::getenv("HOME");
        if (home == nullptr || *home == '\0')
            fail(source, d.name, "ssh_config", "starts with ~ but $HOME is not set");
        path = std::string(home) + path.substr(1);
    } else if (path[0] == '~') {
        fail(source, d.name, "ssh_config", "may start with ~/ but not ~user (give the full path)");
    }
    d.ssh_config = path;
    d.ssh_config_host = d.ip;
}

// "groups": ["core", "lab"]; names fanoutctl can write after `@` without quoting.
bool short_group_name(const json& group) {
    if (!group.is_string()) return false;
    const auto& name = group.get_ref<const std::string&>();
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
}

void read_groups(const json& entry, std::string_view source, device& d) {
    auto groups = entry.find("groups");
    if (groups == entry.end()) return;
    if (!groups->is_array() || groups->size() > 64)
        fail(source, d.name, "groups", "must be a list of at most 64 group names");
    for (std::size_t i = 0; i < groups->size(); ++i) {
        const auto& group = (*groups)[i];
        if (!short_group_name(group))
            fail(source, d.name, "groups[" + std::to_string(i) + "]",
                 "must be a group name of 1-64 characters of [A-Za-z0-9_.-]");
        const auto& name = group.get_ref<const std::string&>();
        if (std::find(d.groups.begin(), d.groups.end(), name) != d.groups.end())
            fail(source, d.name, "groups", "names '" + name + "' twice");
        d.groups.push_back(name);
    }
}

// The file's bytes, refusing anything but a regular file of at most max_inventory_bytes. Opened
// non-blocking, so a FIFO cannot block the caller (start-up, or SIGHUP's reload).
std::string read_inventory_file(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) throw inventory_error(path.string() + ": cannot be read: " + std::strerror(errno));
    struct closer {
        int fd;
        ~closer() { ::close(fd); }
    } guard{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        throw inventory_error(path.string() + ": is not a regular file");
    if (static_cast<std::uintmax_t>(st.st_size) > max_inventory_bytes)
        throw inventory_error(path.string() + ": is " + std::to_string(st.st_size) +
                              " bytes; the inventory may hold at most " +
                              std::to_string(max_inventory_bytes));
    std::string text(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    while (got < text.size()) {
        ssize_t n = ::read(fd, text.data() + got, text.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw inventory_error(path.string() + ": read failed: " + std::strerror(errno));
        if (n == 0) break;  // shrank while read: parse what is there, JSON will say if it is cut
        got += static_cast<std::size_t>(n);
    }
    text.resize(got);
    return text;
}

}  // namespace

inventory inventory::parse(std::string_view json_text, std::string_view source,
                           transport_kind default_transport) {
    json doc;
    // JSON lets a key repeat and the parser keeps the last. For a router that would send its
    // commands to another host ("r1" twice), or its credentials to another address ("ip"
    // twice): collect the repeats, in every object, and refuse the file.
    std::vector<std::set<std::string, std::less<>>> open_objects;
    std::vector<std::string> repeated;  // "r1", or "r1.ip" for a key inside router r1
    std::string router;                 // the router whose entry is being read
    auto note_repeats = [&](int depth, json::parse_event_t event, json& parsed) {
        using e = json::parse_event_t;
        if (event == e::object_start) open_objects.emplace_back();
        if (event == e::object_end && !open_objects.empty()) open_objects.pop_back();
        if (event == e::key && !open_objects.empty()) {
            const auto& key = parsed.get_ref<const std::string&>();
            if (depth == 1) router = key;
            if (!open_objects.back().insert(key).second)
                repeated.push_back(depth == 1 ? key : router + "." + key);
        }
        return true;
    };
    try {
        doc = json::parse(json_text, note_repeats);
    } catch (const json::parse_error& e) {
        // Only the position: the parser's own message quotes the text it read, which may be
        // a password.
        throw inventory_error(std::string(source) + ": not valid JSON (error near byte " +
                              std::to_string(e.byte) + ")");
    } catch (const json::out_of_range&) {  // 406: a number beyond a double (found by fuzzing)
        throw inventory_error(std::string(source) +
                              ": not valid JSON (a number too large to represent)");
    }
    if (!doc.is_object())
        throw inventory_error(std::string(source) + ": must be a JSON object keyed by router name");
    if (doc.empty()) throw inventory_error(std::string(source) + ": holds no routers");
    if (!repeated.empty())
        throw inventory_error(std::string(source) + ": '" + escaped(repeated.front()) +
                              "' is defined more than once; router names, and the keys of each "
                              "entry, must be unique");

    inventory inv;
    inv.devices_.reserve(doc.size());
    inventory_entry::inline_bastions inline_hops;
    for (const auto& [name, entry] : doc.items()) {
        if (name.empty() || name.size() > 255)
            throw inventory_error(std::string(source) + ": router names must be 1-255 characters");
        if (!printable_name(name))
            throw inventory_error(std::string(source) + ": router '" + escaped(name) +
                                  "': router names must not hold control characters");
        if (!entry.is_object()) fail(source, name, "(entry)", "must be an object");
        device d;
        d.name = name;
        d.ip = required_string(entry, source, name, "ip");
        d.port = port_of(entry, source, name);
        d.username = required_string(entry, source, name, "username");
        read_auth(entry, source, d);
        read_ssh(entry, source, d);
        read_groups(entry, source, d);
        read_ssh_config(entry, source, d);
        d.transport = transport_of(entry, source, d, default_transport);
        inventory_entry::read_reach(entry, source, d, inline_hops);
        inv.devices_.push_back(std::move(d));
    }
    inventory_entry::resolve_jumps(inv.devices_, std::move(inline_hops), source);
    return from_devices(std::move(inv.devices_));
}

inventory inventory::from_devices(std::vector<device> devices) {
    inventory inv;
    inv.devices_ = std::move(devices);
    std::sort(inv.devices_.begin(), inv.devices_.end(),
              [](const device& a, const device& b) { return a.name < b.name; });
    for (std::size_t i = 0; i < inv.devices_.size(); ++i)
        if (!inv.index_.emplace(inv.devices_[i].name, i).second)
            throw inventory_error("router '" + escaped(inv.devices_[i].name) +
                                  "' is defined more than once");
    return inv;
}

inventory inventory::load(const std::filesystem::path& path, transport_kind default_transport) {
    return parse(read_inventory_file(path), path.string(), default_transport);
}

const device* inventory::find(std::string_view name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &devices_[it->second];
}

bool inventory::holds_passwords() const {
    return std::any_of(devices_.begin(), devices_.end(), [](const device& d) {
        return d.auth == device::auth_type::password && !d.password.empty();
    });
}

}  // namespace fanout::daemon
