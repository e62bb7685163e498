#include "tools/fanoutctl/result_printer.hpp"

#include <cstdio>

#include "tools/fanoutctl/render_json.hpp"

namespace fanout::ctl {
namespace {

void write_stdout(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

}  // namespace

void result_printer::print(const protocol::router_result& r) {
    progress_.clear();
    write_stdout(json_ ? json_line(to_json(r)) : format_router_result(r, style_));
}

void result_printer::finish(const protocol::job_result& job) {
    progress_.clear();
    if (json_) {
        write_stdout(json_line(to_json(job)));
        return;
    }
    write_stdout("\n" + format_job_summary(job) + format_failed_table(job));
}

}  // namespace fanout::ctl
