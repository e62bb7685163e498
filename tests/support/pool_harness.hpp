// Pool harness: a real fanout-proxy and fanoutd daemons connected to it (--jobs-connect,
// --results-connect), each daemon in its own temp dir so its own endpoints and --state-dir
// never collide.
//
// Contract: every wait has a timeout; processes stop with their objects. pool_member can be
// killed (SIGKILL) and restarted on the same dir, endpoints and --state-dir.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/support/fanout_harness.hpp"

namespace fanout::testing {

// A fanout-proxy on ipc:// endpoints in `dir`; ready once it logged "ready". With
// `tcp_jobs_backend` the jobs backend is tcp://127.0.0.1 on a port the proxy picks (ipc://
// ignores the small kernel buffers that make a full daemon's pipe fill soon).
class proxy_process {
  public:
    explicit proxy_process(const temp_dir& dir, std::vector<std::string> extra_args = {},
                           bool tcp_jobs_backend = false);
    const std::string& jobs() const { return jobs_; }
    const std::string& jobs_backend() const { return jobs_backend_; }
    const std::string& results() const { return results_; }
    const std::string& results_backend() const { return results_backend_; }
    child_process& process() { return *process_; }

  private:
    std::string jobs_, jobs_backend_, results_, results_backend_;
    std::unique_ptr<child_process> process_;
};

// One fanoutd of a pool: bound on its own dir's endpoints, connected to the proxy, with
// --state-dir in its own dir (the journal survives kill -9 and restart()).
class pool_member {
  public:
    // `extras`: as fanoutd_process's (a CURVE daemon's readiness ping needs its keys).
    pool_member(const proxy_process& proxy, const fleet& routers, std::vector<std::string> args,
                fanoutd_extras extras = {});
    fanoutd_process& daemon() { return *daemon_; }
    const std::string& jobs() const { return daemon_->jobs(); }
    void kill9();
    void restart();

  private:
    std::vector<std::string> argv_for() const;

    temp_dir dir_;
    std::string inventory_, known_hosts_;
    std::vector<std::string> args_;
    fanoutd_extras extras_;
    std::unique_ptr<fanoutd_process> daemon_;
};

}  // namespace fanout::testing
