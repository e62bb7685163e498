// Where `run` and `result` send each router_result and the final job_result: human text,
// pdsh-style prefixed lines, collapsed groups, or JSON lines on stdout; and --out-dir files.
//
// Contract: print() writes one result at once and flushes, so output streams through pipes;
// it clears the progress line first. In JSON mode stdout gets only router_result lines and,
// from finish(), the job_result line. With `prefix`, router stdout lines go to stdout and
// stderr lines and failures to stderr (prefix_lines.hpp). With `collapse`, print() shows
// nothing: finish() prints the groups (collapse.hpp; with `brief`, only their heading lines).
// finish() then prints the summary and (unless collapsed) the failed table, and writes --out-dir,
// returning the problems it met there (empty: none).
#pragma once

#include <string>
#include <vector>

#include "protocol/messages.hpp"
#include "tools/fanoutctl/options.hpp"
#include "tools/fanoutctl/render_text.hpp"
#include "tools/fanoutctl/terminal.hpp"

namespace fanout::ctl {

class result_printer {
  public:
    result_printer(bool json, output_options output, result_style style, progress_line& progress)
        : json_(json), output_(std::move(output)), style_(style), progress_(progress) {}

    void print(const protocol::router_result& r);
    std::vector<std::string> finish(const protocol::job_result& job);

  private:
    bool json_;
    output_options output_;
    result_style style_;
    progress_line& progress_;
};

// The usage problem with a combination of output options, or empty: --collapse and --prefix
// exclude each other and --json; --prefix excludes --brief.
std::string output_conflict(const output_options& output, bool json);

}  // namespace fanout::ctl
