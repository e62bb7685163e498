#include "tools/fanoutctl/result_printer.hpp"

#include <cstdio>

#include "tools/fanoutctl/collapse.hpp"
#include "tools/fanoutctl/data_select.hpp"
#include "tools/fanoutctl/out_dir.hpp"
#include "tools/fanoutctl/prefix_lines.hpp"
#include "tools/fanoutctl/render_json.hpp"

namespace fanout::ctl {
namespace {

void write(std::FILE* stream, const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stream);
    std::fflush(stream);
}

protocol::router_result shown(const protocol::router_result& r, const std::string& select) {
    if (!r.data) return r;
    auto copy = r;
    if (select.empty()) {
        copy.output = data_text(*r.data) + "\n";
    } else if (auto value = select_value(*r.data, select)) {
        copy.output = *value + "\n";
    } else {
        copy.output.clear();
        copy.stderr_output = "no value at " + select + "\n";
    }
    return copy;
}

}  // namespace

void result_printer::print(const protocol::router_result& original) {
    if (output_.collapse) return;
    progress_.clear();
    if (json_) return write(stdout, json_line(to_json(original)));
    // format json: the parsed document (or the --select value) instead of the text.
    const auto r = shown(original, output_.select);
    if (!output_.prefix && output_.select.empty())
        return write(stdout, format_router_result(r, style_));
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
        auto shown_job = job;
        for (auto& r : shown_job.results) r = shown(r, output_.select);
        const auto groups = output_.collapse ? format_collapsed(shown_job, output_.brief) : "";
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
