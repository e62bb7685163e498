#include "transports/ipc_endpoint.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace fanout::transports {

void refuse_live_ipc(const std::string& endpoint) {
    const std::string scheme = "ipc://";
    if (endpoint.compare(0, scheme.size(), scheme) != 0) return;
    const std::string path = endpoint.substr(scheme.size());
    if (path.empty() || path[0] == '@') return;  // abstract: the kernel refuses a second bind
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path) return;  // ZeroMQ refuses it with its own error
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    const bool live =
        ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    if (live)
        throw std::runtime_error(endpoint +
                                 " is in use by another process (another fanoutd or "
                                 "fanout-proxy?): stop it, or choose another path");
}

}  // namespace fanout::transports
