// Readiness and state reports to the service manager (systemd's sd_notify protocol).
//
// Contract: each call sends one datagram to $NOTIFY_SOCKET when it is set and is a no-op
// otherwise (fanoutd run by hand, in a container, or by a test). Failures are logged at debug
// and never thrown: the daemon works the same whether or not anyone listens. systemd's headers
// stay in service_notify.cpp.
#pragma once

#include <string_view>

namespace fanout::daemon::service_notify {

// READY=1: both sockets are bound and every thread is running. `status` is free text.
void ready(std::string_view status);
// RELOADING=1 (with MONOTONIC_USEC, as systemd 253+ expects for Type=notify-reload).
void reloading();
// STOPPING=1: shutdown began; systemd then waits for the exit.
void stopping();

}  // namespace fanout::daemon::service_notify
