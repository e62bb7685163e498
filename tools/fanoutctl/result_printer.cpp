#include "tools/fanoutctl/result_printer.hpp"

#include <cstdio>

#include "tools/fanoutctl/collapse.hpp"
#include "tools/fanoutctl/out_dir.hpp"
#include "tools/fanoutctl/prefix_lines.hpp"
#include "tools/fanoutctl/render_json.hpp"

namespace fanout::ctl {
namespace {

void write(std::FILE* stream, const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stream);
    std::fflush(stream);
}

}  // namespace

void result_printer::print(const protocol::router_result& r) {
    if (output_.collapse) return;
    progress_.clear();
    if (json_) return write(stdout, json_line(to_json(r)));
    if (!output_.prefix) return write(stdout, format_router_result(r, style_));
    const auto text = format_prefixed(r, style_.show_command);
    write(stdout, text.out);
    write(stderr, text.err);
}

std::vector<std::string> result_printer::finish(const protocol::job_result& job) {
    progress_.clear();
    if (json_) {
        write(stdout, json_line(to_json(job)));
    } else {
        // Collapsed groups already show every failure, once per kind and message.
        const auto groups = output_.collapse ? format_collapsed(job, output_.brief) : "";
        const auto failed = output_.collapse ? "" : format_failed_table(job);
        write(stdout, groups + "\n" + format_job_summary(job) + failed);
    }
    if (output_.out_dir.empty()) return {};
    return write_out_dir(output_.out_dir, job);
}

std::string output_conflict(const output_options& output, bool json) {
    if (output.collapse && output.prefix) return "--collapse and --prefix exclude each other";
    if (json && (output.collapse || output.prefix))
        return std::string(output.collapse ? "--collapse" : "--prefix") + " and --json exclude " +
               "each other";
    if (output.prefix && output.brief) return "--prefix and --brief exclude each other";
    return {};
}

}  // namespace fanout::ctl
