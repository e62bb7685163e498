#include "tools/fleetsim/fleet_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>

namespace fanout::fleetsim {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const fs::path& path, std::string_view what) {
    throw std::runtime_error("fleetsim: cannot " + std::string(what) + " " + path.string() + ": " +
                             std::strerror(errno));
}

void write_atomically(const fs::path& path, std::string_view content, mode_t mode) {
    const fs::path temp = path.string() + ".tmp." + std::to_string(::getpid());
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) fail(temp, "create");
    std::size_t done = 0;
    while (done < content.size()) {
        ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(fd);
            ::unlink(temp.c_str());
            fail(temp, "write");
        }
        done += static_cast<std::size_t>(n);
    }
    // open() honours the umask; the requested mode is the contract.
    if (::fchmod(fd, mode) != 0 || ::close(fd) != 0) {
        ::unlink(temp.c_str());
        fail(temp, "finish");
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        ::unlink(temp.c_str());
        fail(path, "rename onto");
    }
}

nlohmann::ordered_json auth_json(const fleet_files& files, bool key_auth,
                                 const fs::path& key_path) {
    if (key_auth) return {{"type", "ssh_key"}, {"private_key_path", key_path.string()}};
    return {{"type", "password"}, {"password", files.password}};
}

std::string host_field(const std::string& ip, std::uint16_t port) {
    // OpenSSH writes a bare host for port 22 and [host]:port otherwise.
    return port == 22 ? ip : "[" + ip + "]:" + std::to_string(port);
}

std::string devices_json(const fleet_files& files, const fs::path& key_path) {
    nlohmann::ordered_json devices = nlohmann::ordered_json::object();
    for (const auto& bastion : files.bastions) {
        devices[bastion.name] = {{"role", "bastion"},
                                 {"ip", bastion.ip},
                                 {"port", bastion.port},
                                 {"username", files.username},
                                 {"auth", auth_json(files, bastion.key_auth, key_path)}};
    }
    for (const auto& router : files.routers) {
        devices[router.name] = {{"ip", router.ip},
                                {"port", router.port},
                                {"username", files.username},
                                {"auth", auth_json(files, router.key_auth, key_path)}};
        if (router.netconf_only && router.port != 830) {
            devices[router.name]["transport"] = "netconf";
        }
        if (!router.jump.empty()) {
            devices[router.name]["jump"] = nlohmann::ordered_json::array({router.jump});
        }
    }
    return devices.dump(2) + "\n";
}

std::string known_hosts(const fleet_files& files) {
    std::string out;
    out.reserve(files.routers.size() * (files.host_key_line.size() + 24));
    for (const auto& bastion : files.bastions) {
        out += host_field(bastion.ip, bastion.port) + " " + bastion.host_key_line + "\n";
    }
    for (const auto& router : files.routers) {
        out += host_field(router.ip, router.port) + " " + files.host_key_line + "\n";
    }
    return out;
}

}  // namespace

void write_fleet_files(const fleet_files& files) {
    std::error_code ec;
    fs::create_directories(files.out_dir, ec);
    if (ec) {
        throw std::runtime_error("fleetsim: cannot create " + files.out_dir.string() + ": " +
                                 ec.message());
    }
    const fs::path dir = fs::absolute(files.out_dir).lexically_normal();
    const fs::path key_path = dir / client_key_file_name;
    if (!files.client_private_key.empty()) {
        write_atomically(key_path, files.client_private_key, 0600);
        write_atomically(key_path.string() + ".pub", files.client_public_line + "\n", 0644);
    }
    write_atomically(dir / "known_hosts", known_hosts(files), 0644);
    write_atomically(dir / "devices.json", devices_json(files, key_path),
                     0600);  // it holds the fleet password
}

}  // namespace fanout::fleetsim
