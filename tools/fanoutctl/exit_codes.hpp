// fanoutctl's exit codes, shared by every subcommand.
//
// Contract: 0 every router succeeded (or the query succeeded), 1 some router failed or was
// cancelled (or the job has not ended), 2 usage or request error (including an error reply
// from fanoutd), 3 no reply or connection trouble.
#pragma once

namespace fanout::ctl {

enum exit_code : int {
    exit_ok = 0,
    exit_router_failures = 1,
    exit_usage = 2,
    exit_no_reply = 3,
};

}  // namespace fanout::ctl
