// The metrics and health HTTP server (--metrics-listen): Prometheus on /metrics, liveness on
// /healthz, readiness on /readyz. HTTP is cpp-httplib's (Debian's libcpp-httplib-dev); this
// unit only routes and bounds it.
//
// Contract:
// - The constructor binds host:port (port 0: any free port, see port()) and starts serving;
//   it throws std::runtime_error when it cannot bind (naming bind's reason, e.g. "Address already
//   in use"), also when another process listens there
//   (no SO_REUSEPORT). stop() (also the destructor) stops
//   accepting, finishes the requests in hand and joins every thread.
// - GET /metrics: 200, `text/plain; version=0.0.4`, the body render() returns.
//   GET /healthz: 200 "ok" when unhealthy() returns nothing, else 503 and its text.
//   GET /readyz: 200 "ready" when not_ready() returns nothing, else 503 and its text.
//   Anything else: 404. No request reaches anything but these three functions.
// - Bounded (docs/metrics.md, "Limits"): `threads` handler threads; at most `queue` accepted
//   connections wait for one, beyond which the accept loop stops accepting (the kernel's
//   listen backlog, then refusals, absorb the rest); a request must arrive within
//   read_timeout and its answer leave within write_timeout; a request body beyond
//   max_body_bytes is refused with 413; request line and each header line are capped at 8 KiB
//   by the library's build (CPPHTTPLIB_REQUEST_URI_MAX_LENGTH, CPPHTTPLIB_HEADER_MAX_LENGTH);
//   a connection serves at most keep_alive_requests requests (default 1: the answer closes it,
//   so an idle scraper never holds a thread the health checks need).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace fanout::daemon {

struct listen_address {
    std::string host;  // an IP address or name; IPv6 without brackets
    int port = 0;
    bool loopback() const;
};
// "127.0.0.1:9464", "[::1]:9464", "localhost:9464", "0.0.0.0:9464"; nullopt when malformed
// (no port, a port beyond 65535, an empty host).
std::optional<listen_address> parse_listen_address(const std::string& text);

struct metrics_server_limits {
    std::size_t threads = 4;
    std::size_t queue = 16;
    std::chrono::seconds read_timeout{5};
    std::chrono::seconds write_timeout{5};
    std::size_t max_body_bytes = 1024;
    // 1: every answer closes its connection. A kept-alive connection holds a handler thread
    // while it idles, so two Prometheus servers scraping every 15 s would starve /healthz.
    std::size_t keep_alive_requests = 1;
};

struct metrics_probes {
    std::function<std::string()> render;
    std::function<std::optional<std::string>()> unhealthy;  // nullopt: healthy
    std::function<std::optional<std::string>()> not_ready;  // nullopt: ready
};

class metrics_server {
  public:
    metrics_server(const listen_address& where, metrics_probes probes,
                   metrics_server_limits limits = {});
    metrics_server(const metrics_server&) = delete;
    metrics_server& operator=(const metrics_server&) = delete;
    ~metrics_server();

    int port() const { return port_; }
    void stop();

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
    int port_ = 0;
};

}  // namespace fanout::daemon
