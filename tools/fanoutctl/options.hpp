// Parsed command-line options of fanoutctl, as plain values (filled in by cli.cpp).
//
// Contract: defaults here are the documented defaults. The global options come, first match
// wins, from the command line, then the environment (FANOUT_JOBS, FANOUT_RESULTS,
// FANOUT_REQUEST_TIMEOUT, FANOUT_RETRIES, FANOUT_CURVE_SERVER_KEY, FANOUT_CURVE_CLIENT_KEY),
// then the config file (client_config.hpp); cli.cpp resolves them, and `curve` from the key
// options, before they reach a command.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "curve/curve_keys.hpp"
#include "protocol/messages.hpp"

namespace fanout::ctl {

inline constexpr const char* default_jobs_endpoint = "tcp://127.0.0.1:5555";
inline constexpr const char* default_results_endpoint = "tcp://127.0.0.1:5556";

// How long a request waits for fanoutd. A read-only request (ping, status, result, routers,
// replay) fails fast: "is fanoutd up?" takes seconds. A submit or cancel, which fanoutd
// answers idempotently, keeps Lazy Pirate retries, where a lost reply matters.
enum class request_kind { read_only, change };
struct request_budget {
    double timeout_seconds;  // per attempt
    unsigned retries;        // further attempts on fresh connections
};
inline constexpr request_budget read_only_budget{2.0, 0};
inline constexpr request_budget change_budget{10.0, 3};

struct global_options {
    std::string jobs_endpoint = default_jobs_endpoint;
    std::string results_endpoint = default_results_endpoint;
    // --request-timeout (alias --timeout-reply) and --retries; unset: by request kind.
    std::optional<double> reply_timeout_seconds;
    std::optional<unsigned> retries;
    bool json = false;
    std::string curve_server_key;       // Z85 key or public key file; with curve_client_key
    std::string curve_client_key_file;  // this client's key pair file (mode 0600)
    std::optional<curve::client_credentials> curve;  // set when both are given

    std::chrono::milliseconds reply_timeout(request_kind kind) const {
        const double seconds = reply_timeout_seconds.value_or(
            (kind == request_kind::read_only ? read_only_budget : change_budget).timeout_seconds);
        return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
    }
    unsigned retries_for(request_kind kind) const {
        return retries.value_or(
            (kind == request_kind::read_only ? read_only_budget : change_budget).retries);
    }
};

// How router results are shown (besides --json): one block per result, one line per result,
// pdsh-style `router: line` prefixes, or identical results collapsed under one node set.
struct output_options {
    bool brief = false;
    bool prefix = false;
    bool collapse = false;
    std::string out_dir;  // non-empty: also write one file per router there (out_dir.hpp)
    // --select PATH (format json): each router's value at PATH instead of its output.
    std::string select;
};

struct run_options {
    // --failed-from JOB: JOB's failed or cancelled routers (issue 13)
    std::string failed_from;
    std::vector<std::string> router_arguments;   // each `-r`: names, node sets, globs, @groups, all
    std::vector<std::string> exclude_arguments;  // each `-x`, the same syntax
    std::string routers_file;                    // `-`: stdin
    std::vector<std::string> commands;           // each `-c`
    std::vector<std::string> words;              // positional words: together, one command
    std::optional<double> timeout;               // seconds per router per command
    std::optional<double> deadline;              // issue 13: seconds per router, start to result
    std::string format = "text";                 // --format: text, json or xml
    std::string job_id;                          // empty: generated client-side
    std::string requested_by;  // --requested-by, else FANOUT_REQUESTED_BY (issue 14); empty: none
    output_options output;
    bool no_progress = false;
    // --max-parallel, --stop-after-failures, --max-fail-percent, --canary (execution controls)
    protocol::execution_controls controls;
};

struct keygen_options {
    std::string out_file;  // secret key pair file; the public half goes to out_file + ".pub"
};

struct job_query_options {
    std::string job_id;
    output_options output;  // `result` only
};

// `diff JOB_A JOB_B` (issue 13).
struct diff_options {
    std::string job_a, job_b;
};

struct replay_options {
    std::uint64_t since = 0;  // results with a greater seq
    std::string job_id;       // empty: every job
    bool brief = false;
};

}  // namespace fanout::ctl
