#include "tools/fanoutctl/command_support.hpp"

#include <cstdio>
#include <iterator>
#include <string>
#include <variant>

#include "tools/fanoutctl/exit_codes.hpp"
#include "tools/fanoutctl/render_json.hpp"
#include "tools/fanoutctl/render_text.hpp"

namespace fanout::ctl {
namespace {

bool json_errors = false;

// The --json form of an error: one object on stdout; returns `code`.
int report_json(std::string_view error_code, std::string_view message, int code) {
    ordered_json out;
    out["type"] = "error";
    out["code"] = error_code;
    out["message"] = message;
    std::fputs(json_line(out).c_str(), stdout);
    std::fflush(stdout);
    return code;
}

}  // namespace

void set_json_errors(bool json) {
    json_errors = json;
}

int status_exit_code(const protocol::status_reply& status) {
    const bool clean = status.state == protocol::job_state::done && status.failed == 0 &&
                       status.completed == status.successful;
    return clean ? exit_ok : exit_router_failures;
}

int job_exit_code(const protocol::job_result& job) {
    if (job.state != protocol::job_state::done) return exit_router_failures;
    if (job.summary.failed > 0 || job.summary.cancelled > 0) return exit_router_failures;
    for (const auto& r : job.results) {
        if (r.status != protocol::router_status::success) return exit_router_failures;
    }
    return exit_ok;
}

int finish_job(result_printer& printer, const protocol::job_result& job) {
    const auto problems = printer.finish(job);
    for (const auto& problem : problems) std::fprintf(stderr, "fanoutctl: %s\n", problem.c_str());
    return problems.empty() ? job_exit_code(job) : exit_usage;
}

int report_usage_error(std::string_view message) {
    if (json_errors) return report_json("usage", message, exit_usage);
    std::fprintf(stderr, "fanoutctl: %.*s\n", static_cast<int>(message.size()), message.data());
    return exit_usage;
}

int report_client_failure(const client_failure& failure) {
    if (json_errors) return report_json("no_reply", failure.message, exit_no_reply);
    std::fprintf(stderr, "fanoutctl: %s\n", failure.message.c_str());
    return exit_no_reply;
}

int report_error_reply(const protocol::error_reply& error) {
    if (json_errors) {
        std::fputs(json_line(to_json(error)).c_str(), stdout);
        std::fflush(stdout);
        return exit_usage;
    }
    std::fputs(format_error_reply(error).c_str(), stderr);
    return exit_usage;
}

std::string_view reply_type_name(const protocol::reply& reply) {
    static constexpr std::string_view names[] = {"accepted", "status", "job_result", "pong",
                                                 "routers",  "error",  "replay",     "jobs"};
    static_assert(std::variant_size_v<protocol::reply> == std::size(names));
    return names[reply.index()];
}

int report_unexpected_reply(const protocol::reply& reply, std::string_view expected) {
    if (json_errors)
        return report_json("unexpected_reply",
                           "fanoutd sent a " + std::string(reply_type_name(reply)) +
                               " reply where " + std::string(expected) + " was expected",
                           exit_no_reply);
    std::fprintf(stderr, "fanoutctl: fanoutd sent a %.*s reply where %.*s was expected\n",
                 static_cast<int>(reply_type_name(reply).size()), reply_type_name(reply).data(),
                 static_cast<int>(expected.size()), expected.data());
    return exit_no_reply;
}

}  // namespace fanout::ctl
