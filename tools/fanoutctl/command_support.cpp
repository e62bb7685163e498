#include "tools/fanoutctl/command_support.hpp"

#include <cstdio>
#include <iterator>
#include <string>
#include <variant>

#include "tools/fanoutctl/exit_codes.hpp"
#include "tools/fanoutctl/render_text.hpp"

namespace fanout::ctl {

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
    std::fprintf(stderr, "fanoutctl: %.*s\n", static_cast<int>(message.size()), message.data());
    return exit_usage;
}

int report_client_failure(const client_failure& failure) {
    std::fprintf(stderr, "fanoutctl: %s\n", failure.message.c_str());
    return exit_no_reply;
}

int report_error_reply(const protocol::error_reply& error) {
    std::fputs(format_error_reply(error).c_str(), stderr);
    return exit_usage;
}

std::string_view reply_type_name(const protocol::reply& reply) {
    static constexpr std::string_view names[] = {"accepted", "status", "job_result", "pong",
                                                 "routers",  "error",  "replay"};
    static_assert(std::variant_size_v<protocol::reply> == std::size(names));
    return names[reply.index()];
}

int report_unexpected_reply(const protocol::reply& reply, std::string_view expected) {
    std::fprintf(stderr, "fanoutctl: fanoutd sent a %.*s reply where %.*s was expected\n",
                 static_cast<int>(reply_type_name(reply).size()), reply_type_name(reply).data(),
                 static_cast<int>(expected.size()), expected.data());
    return exit_no_reply;
}

}  // namespace fanout::ctl
