// A real scrape: Debian's prometheus binary scrapes a running fanoutd's /metrics; after a job,
// its HTTP API must report the router results. This proves the exposition with the real
// consumer. Then every metric name in examples/grafana-dashboard.json must be one Prometheus
// saw, and every fanout_ / process_ family it saw must be documented in docs/metrics.md.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "tests/support/fanout_harness.hpp"
#include "tests/support/loopback_port.hpp"
#include "tests/support/metrics_daemon.hpp"
#include "tests/support/metrics_text.hpp"

using namespace fanout::testing;
using namespace fanout::protocol;
using json = nlohmann::json;

namespace {

constexpr const char* prometheus_bin = "/usr/bin/prometheus";

std::optional<json> api_get(int port, const std::string& path, const httplib::Params& params) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(std::chrono::seconds(30));
    auto answer = client.Get(path, params, httplib::Headers{});
    if (!answer || answer->status != 200) return std::nullopt;
    return json::parse(answer->body);
}

// The sum of an instant query's vector, or nullopt before Prometheus has the series.
std::optional<double> query_sum(int port, const std::string& query) {
    auto answer = api_get(port, "/api/v1/query", {{"query", query}});
    if (!answer || (*answer)["status"] != "success") return std::nullopt;
    const auto& result = (*answer)["data"]["result"];
    if (result.empty()) return std::nullopt;
    double sum = 0;
    for (const auto& sample : result) sum += std::stod(sample["value"][1].get<std::string>());
    return sum;
}

// Debian's prometheus scraping as `config` says, its web API on `port`; ready once /-/ready
// answers 200. Throws std::runtime_error when it exits first (the port was taken) or is not
// ready in 60 s.
std::unique_ptr<child_process> start_prometheus(const temp_dir& dir, const std::string& config,
                                                int port) {
    auto prometheus = std::make_unique<child_process>(std::vector<std::string>{
        prometheus_bin, "--config.file=" + config,
        "--storage.tsdb.path=" + dir.file("tsdb-" + std::to_string(port)),
        "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=warn"});
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (http_get(port, "/-/ready", std::chrono::seconds(2)).status != 200) {
        if (auto code = prometheus->wait(std::chrono::milliseconds(100)))
            throw std::runtime_error("prometheus exited at start, status " + std::to_string(*code));
        if (std::chrono::steady_clock::now() > give_up)
            throw std::runtime_error("prometheus not ready in 60 s");
    }
    return prometheus;
}

void collect_exprs(const json& node, std::vector<std::string>& exprs) {
    if (node.is_object()) {
        for (const auto& [key, value] : node.items()) {
            if (key == "expr" && value.is_string()) exprs.push_back(value);
            collect_exprs(value, exprs);
        }
    } else if (node.is_array()) {
        for (const auto& value : node) collect_exprs(value, exprs);
    }
}

std::string base_family(std::string name) {
    for (const char* suffix : {"_bucket", "_sum", "_count"})
        if (name.ends_with(suffix) && name.find("_seconds") != std::string::npos)
            return name.substr(0, name.size() - std::string(suffix).size());
    return name;
}

}  // namespace

TEST(prometheus_scrape, prometheus_reads_the_router_results_fanoutd_exposes) {
    if (!std::filesystem::exists(prometheus_bin))
        GTEST_SKIP() << "Debian's prometheus is not installed: bash scripts/install-deps.sh";
    temp_dir dir;
    fleet routers(dir, 3, {"--fault", "r3=auth_fail"});
    metrics_daemon served(dir, routers);
    const int metrics_port = served.port;
    auto& d = *served.process;

    std::ofstream(dir.file("prometheus.yml"))
        << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
        << "scrape_configs:\n  - job_name: fanoutd\n    static_configs:\n"
        << "      - targets: ['127.0.0.1:" << metrics_port << "']\n";
    int prometheus_port = 0;
    auto prometheus = on_free_loopback_port([&](int port) {
        prometheus_port = port;
        return start_prometheus(dir, dir.file("prometheus.yml"), port);
    });

    client jobs(d.jobs());
    auto aggregate =
        expect_reply<job_result>(jobs.request(submit_of("p1", "show version", router_names(1, 3))));
    ASSERT_EQ(aggregate.summary.successful, 2u);

    // Poll Prometheus's API with a deadline: scrapes come every second, a sample is queryable
    // a few seconds later (7 s on a quiet 2-core box; far more under load).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
    std::optional<double> results, failed;
    while (std::chrono::steady_clock::now() < deadline) {
        results = query_sum(prometheus_port, "fanout_router_results_total");
        failed = query_sum(prometheus_port,
                           "fanout_router_results_total{status=\"failed\",kind=\"auth\"}");
        if (results == 3.0 && failed == 1.0) break;
        ASSERT_FALSE(prometheus->wait(std::chrono::milliseconds(0))) << "prometheus exited";
    }
    EXPECT_EQ(results, 3.0) << "fanout_router_results_total over every label set";
    EXPECT_EQ(failed, 1.0);
    EXPECT_EQ(query_sum(prometheus_port, "up{job=\"fanoutd\"}"), 1.0);
    EXPECT_EQ(query_sum(prometheus_port, "fanout_jobs_accepted_total"), 1.0);

    // Every metric name Prometheus has stored, from its API.
    auto names = api_get(prometheus_port, "/api/v1/label/__name__/values", {});
    ASSERT_TRUE(names);
    std::set<std::string> seen;
    for (const auto& name : (*names)["data"]) seen.insert(name.get<std::string>());
    std::ofstream record("prometheus_seen_metrics.txt");  // in the build's tests directory
    for (const auto& name : seen) record << name << "\n";

    // The dashboard queries only what this scrape saw.
    std::ifstream dashboard_file(std::string(FANOUT_SOURCE_DIR) +
                                 "/examples/grafana-dashboard.json");
    ASSERT_TRUE(dashboard_file) << "examples/grafana-dashboard.json";
    std::vector<std::string> exprs;
    collect_exprs(json::parse(dashboard_file), exprs);
    ASSERT_GE(exprs.size(), 5u);
    const std::regex metric(R"(\b(fanout_|process_)[a-zA-Z0-9_:]*)");
    std::size_t checked = 0;
    for (const auto& expr : exprs)
        for (std::sregex_iterator it(expr.begin(), expr.end(), metric), end; it != end; ++it) {
            ++checked;
            EXPECT_TRUE(seen.contains(it->str()))
                << "the dashboard queries " << it->str() << ", which the scrape never saw";
        }
    EXPECT_GE(checked, 5u);

    // Every family seen is documented.
    std::ifstream docs_file(std::string(FANOUT_SOURCE_DIR) + "/docs/metrics.md");
    std::stringstream docs;
    docs << docs_file.rdbuf();
    for (const auto& name : seen) {
        if (!name.starts_with("fanout_") && !name.starts_with("process_")) continue;
        EXPECT_NE(docs.str().find("`" + base_family(name) + "`"), std::string::npos)
            << base_family(name) << " is not in docs/metrics.md";
    }
}
