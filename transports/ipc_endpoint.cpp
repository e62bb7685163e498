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
    if (path.empty() || path[0] == '@' || path == "*") return;  // abstract or ZeroMQ's choice
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return;  // nothing there yet
    // ZeroMQ unlinks whatever is at the path before binding: never a file a typo named.
    if (!S_ISSOCK(st.st_mode))
        throw std::runtime_error(endpoint + ": " + path +
                                 " exists and is not a socket; refusing to replace it");
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path) return;  // ZeroMQ refuses it with its own error
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return;
    const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
    const int error = rc == 0 ? 0 : errno;
    ::close(fd);
    if (rc != 0 && error == ECONNREFUSED) return;  // a stale file: nobody listens
    // Accepted, a full backlog (EAGAIN: someone listens), or no way to tell (EACCES, ...).
    if (rc == 0 || error == EAGAIN)
        throw std::runtime_error(endpoint +
                                 " is in use by another process (another fanoutd or "
                                 "fanout-proxy?): stop it, or choose another path");
    throw std::runtime_error(endpoint + ": cannot tell whether another process serves it (" +
                             std::strerror(error) + "); refusing to replace it");
}

}  // namespace fanout::transports
