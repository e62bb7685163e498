#include "tools/fanoutctl/job_id.hpp"

#include <unistd.h>

#include <chrono>

#include "protocol/limits.hpp"

namespace fanout::ctl {
namespace {

bool is_job_id_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == ':' || c == '-';
}

}  // namespace

std::string make_job_id(std::string_view hostname, std::int64_t pid, std::int64_t unix_ms) {
    const std::string tail = "-" + std::to_string(pid) + "-" + std::to_string(unix_ms);
    std::string host;
    for (char c : hostname) host += is_job_id_char(c) ? c : '-';
    if (host.empty()) host = "host";
    const std::string prefix = "ctl-";
    const std::size_t room = protocol::max_job_id_bytes - prefix.size();
    if (host.size() + tail.size() > room) {
        // Keep the pid and timestamp whole (they make the id unique); shorten the host.
        const std::size_t keep = tail.size() < room ? room - tail.size() : 0;
        host.resize(keep);
    }
    std::string id = prefix + host + tail;
    if (id.size() > protocol::max_job_id_bytes) id.resize(protocol::max_job_id_bytes);
    return id;
}

std::string generate_job_id() {
    char hostname[256] = {};
    if (gethostname(hostname, sizeof hostname - 1) != 0) hostname[0] = '\0';
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
    return make_job_id(hostname, static_cast<std::int64_t>(getpid()), ms);
}

}  // namespace fanout::ctl
