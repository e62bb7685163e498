// Parsed command-line options of fanoutctl, as plain values (filled in by cli.cpp).
//
// Contract: defaults here are the documented defaults; environment overrides (FANOUT_JOBS,
// FANOUT_RESULTS) are applied by the CLI parser before these reach a command.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fanout::ctl {

inline constexpr const char* default_jobs_endpoint = "tcp://127.0.0.1:5555";
inline constexpr const char* default_results_endpoint = "tcp://127.0.0.1:5556";

struct global_options {
    std::string jobs_endpoint = default_jobs_endpoint;
    std::string results_endpoint = default_results_endpoint;
    double reply_timeout_seconds = 10.0;
    bool json = false;

    std::chrono::milliseconds reply_timeout() const {
        return std::chrono::milliseconds(static_cast<long long>(reply_timeout_seconds * 1000.0));
    }
};

struct run_options {
    std::vector<std::string> router_arguments;  // each `-r`, comma-separated names or `all`
    std::string routers_file;
    std::vector<std::string> commands;             // each `-c`
    std::vector<std::string> positional_commands;  // each positional argument is one command
    std::optional<double> timeout;                 // seconds per router per command
    std::string job_id;                            // empty: generated client-side
    bool brief = false;
    bool no_progress = false;
};

struct job_query_options {
    std::string job_id;
    bool brief = false;  // `result`: one line per router
};

struct replay_options {
    std::uint64_t since = 0;  // results with a greater seq
    std::string job_id;       // empty: every job
    bool brief = false;
};

}  // namespace fanout::ctl
