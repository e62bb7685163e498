// Where `run` and `result` send each router_result and the final job_result: human text or
// JSON lines on stdout.
//
// Contract: print() writes one result and flushes stdout, so output streams through pipes;
// it clears the progress line first. In JSON mode stdout gets only router_result lines and,
// from finish(), the job_result line.
#pragma once

#include "protocol/messages.hpp"
#include "tools/fanoutctl/render_text.hpp"
#include "tools/fanoutctl/terminal.hpp"

namespace fanout::ctl {

class result_printer {
  public:
    result_printer(bool json, result_style style, progress_line& progress)
        : json_(json), style_(style), progress_(progress) {}

    void print(const protocol::router_result& r);
    // Human: a blank line, the summary table and the failed table. JSON: the job_result.
    void finish(const protocol::job_result& job);

  private:
    bool json_;
    result_style style_;
    progress_line& progress_;
};

}  // namespace fanout::ctl
