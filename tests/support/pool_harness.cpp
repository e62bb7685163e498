#include "tests/support/pool_harness.hpp"

#include <signal.h>

namespace fanout::testing {

proxy_process::proxy_process(const temp_dir& dir, std::vector<std::string> extra_args,
                             bool tcp_jobs_backend)
    : jobs_("ipc://" + dir.file("proxy-jobs.sock")),
      jobs_backend_("ipc://" + dir.file("proxy-jobs-backend.sock")),
      results_("ipc://" + dir.file("proxy-results.sock")),
      results_backend_("ipc://" + dir.file("proxy-results-backend.sock")) {
    std::vector<std::string> argv{FANOUT_PROXY_BIN, "--jobs",    jobs_,    "--jobs-backend",
                                  jobs_backend_,    "--results", results_, "--results-backend",
                                  results_backend_};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    if (tcp_jobs_backend) argv[4] = "tcp://127.0.0.1:*";
    process_ = std::make_unique<child_process>(argv, child_process::capture::stderr_stream);
    // "ready: jobs J -> B, results R <- S": B is the bound backend, with its port.
    auto line = process_->wait_for_line(" ready: jobs ", 30s);
    auto from = line.find(" -> ") + 4;
    jobs_backend_ = line.substr(from, line.find(',', from) - from);
}

pool_member::pool_member(const proxy_process& proxy, const fleet& routers,
                         std::vector<std::string> args, fanoutd_extras extras)
    : inventory_(routers.devices_json()),
      known_hosts_(routers.known_hosts()),
      extras_(std::move(extras)) {
    args_ = {"--jobs-connect",        proxy.jobs_backend(), "--results-connect",
             proxy.results_backend(), "--state-dir",        dir_.file("state")};
    args_.insert(args_.end(), args.begin(), args.end());
    daemon_ = std::make_unique<fanoutd_process>(dir_, inventory_, known_hosts_, args_, extras_);
}

void pool_member::kill9() {
    daemon_->process().stop(SIGKILL);
}

void pool_member::restart() {
    daemon_.reset();
    daemon_ = std::make_unique<fanoutd_process>(dir_, inventory_, known_hosts_, args_, extras_);
}

}  // namespace fanout::testing
