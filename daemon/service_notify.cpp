#include "daemon/service_notify.hpp"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

namespace fanout::daemon::service_notify {
namespace {

void send(const std::string& state) {
    // unset_environment=0: a reload sends again later, so NOTIFY_SOCKET must stay set.
    int r = sd_notify(0, state.c_str());
    if (r < 0) spdlog::debug("sd_notify failed: {}", std::strerror(-r));
}

long long monotonic_usec() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<long long>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
}

}  // namespace

void ready(std::string_view status) {
    send("READY=1\nSTATUS=" + std::string(status));
}

void reloading() {
    send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec()));
}

void stopping() {
    send("STOPPING=1");
}

}  // namespace fanout::daemon::service_notify
