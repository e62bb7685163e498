// metrics_server: /metrics, /healthz and /readyz over cpp-httplib, and its bounds.
#include "daemon/api/metrics_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

using namespace fanout::daemon;

namespace {

struct served {
    std::atomic<bool> healthy{true}, ready{true};
    metrics_server server;
    explicit served(metrics_server_limits limits = {})
        : server(listen_address{"127.0.0.1", 0},
                 metrics_probes{[] { return std::string("fanout_up 1\n"); },
                                [this]() -> std::optional<std::string> {
                                    if (healthy) return std::nullopt;
                                    return std::string("not turning: publisher");
                                },
                                [this]() -> std::optional<std::string> {
                                    if (ready) return std::nullopt;
                                    return std::string("draining");
                                }},
                 limits) {}
};

}  // namespace

TEST(metrics_server, parses_listen_addresses) {
    auto v4 = parse_listen_address("127.0.0.1:9464");
    ASSERT_TRUE(v4);
    EXPECT_EQ(v4->host, "127.0.0.1");
    EXPECT_EQ(v4->port, 9464);
    EXPECT_TRUE(v4->loopback());
    auto v6 = parse_listen_address("[::1]:80");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host, "::1");
    EXPECT_TRUE(v6->loopback());
    EXPECT_FALSE(parse_listen_address("0.0.0.0:9464")->loopback());
    for (const char* bad : {"9464", ":9464", "127.0.0.1:", "127.0.0.1:65536", "::1:80", "host:12a",
                            "[]:80", "[::1:80"})
        EXPECT_FALSE(parse_listen_address(bad)) << bad;
}

TEST(metrics_server, serves_metrics_health_and_readiness) {
    served s;
    ASSERT_GT(s.server.port(), 0);
    httplib::Client http("127.0.0.1", s.server.port());
    auto metrics = http.Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metrics->status, 200);
    EXPECT_EQ(metrics->body, "fanout_up 1\n");
    EXPECT_EQ(metrics->get_header_value("Content-Type"),
              "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_EQ(http.Get("/healthz")->status, 200);
    EXPECT_EQ(http.Get("/readyz")->status, 200);
    s.healthy = false;
    s.ready = false;
    auto health = http.Get("/healthz");
    EXPECT_EQ(health->status, 503);
    EXPECT_EQ(health->body, "not turning: publisher\n");
    auto ready = http.Get("/readyz");
    EXPECT_EQ(ready->status, 503);
    EXPECT_EQ(ready->body, "draining\n");
    EXPECT_EQ(http.Get("/")->status, 404);
    EXPECT_EQ(http.Get("/metrics/../etc")->status, 404);
}

TEST(metrics_server, refuses_a_request_body_beyond_the_limit) {
    metrics_server_limits limits;
    limits.max_body_bytes = 100;
    served s(limits);
    httplib::Client http("127.0.0.1", s.server.port());
    auto big = http.Post("/metrics", std::string(1000, 'x'), "text/plain");
    ASSERT_TRUE(big);
    EXPECT_EQ(big->status, 413);
}

TEST(metrics_server, closes_a_connection_that_sends_nothing_after_the_read_timeout) {
    metrics_server_limits limits;
    limits.read_timeout = std::chrono::seconds(1);
    served s(limits);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(s.server.port()));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    pollfd p{fd, POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 60'000), 1) << "closed well before 60 s";
    char byte;
    EXPECT_EQ(::recv(fd, &byte, 1, 0), 0) << "closed without an answer";
    ::close(fd);
}

// Prometheus keeps its scrape connection open between scrapes. Were each kept alive, `threads`
// scrapers would hold every handler thread for the read timeout after each scrape, and a
// health check would wait that long (30 s here): each answer must close its connection.
TEST(metrics_server, a_scraper_keeping_its_connection_open_does_not_delay_health_checks) {
    metrics_server_limits limits;
    limits.read_timeout = std::chrono::seconds(30);
    served s(limits);
    std::vector<std::unique_ptr<httplib::Client>> scrapers;
    for (std::size_t i = 0; i < limits.threads; ++i) {
        scrapers.push_back(std::make_unique<httplib::Client>("127.0.0.1", s.server.port()));
        scrapers.back()->set_keep_alive(true);
        auto scraped = scrapers.back()->Get("/metrics");
        ASSERT_TRUE(scraped);
        EXPECT_EQ(scraped->get_header_value("Connection"), "close");
    }
    httplib::Client check("127.0.0.1", s.server.port());
    check.set_read_timeout(std::chrono::seconds(15));  // half the read timeout
    auto health = check.Get("/healthz");
    ASSERT_TRUE(health) << "the health check waited for a scraper's idle connection";
    EXPECT_EQ(health->status, 200);
}

TEST(metrics_server, refuses_a_port_it_cannot_bind) {
    served first;
    try {
        metrics_server second(listen_address{"127.0.0.1", first.server.port()}, {});
        ADD_FAILURE() << "a second server bound the same port";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("Address already in use"), std::string::npos)
            << e.what();
    }
}
