// The daemon: wires intake, scheduler, worker pool and publisher together, and stops them
// in the order that loses nothing.
//
// Contract: the constructor binds both sockets (throws zmq::error_t on failure) and starts
// every thread. With CURVE configured it first loads the key pair and the client allow-list
// (throws curve::key_file_error when they are unusable) and starts the ZAP handler. shutdown() is
// the SIGTERM path: stop taking jobs, let running jobs finish within the grace period, cancel what
// remains, publish every aggregate, answer every `wait: true` client, then join all threads.
// replace_inventory(), replace_command_policy() and reopen_audit_log() are safe from any thread.
#pragma once

#include <memory>

#include "daemon/admission/inventory.hpp"
#include "daemon/config.hpp"

namespace fanout::daemon {

class daemon {
  public:
    daemon(config settings, std::shared_ptr<const inventory> devices);
    daemon(const daemon&) = delete;
    daemon& operator=(const daemon&) = delete;
    ~daemon();

    void shutdown();
    // The SIGHUP path: new submits use `devices`; running and queued jobs keep theirs.
    void replace_inventory(std::shared_ptr<const inventory> devices);
    void replace_command_policy(std::shared_ptr<const command_policy> policy);
    // SIGHUP, for logrotate: --audit-log opened again by its path (audit_log::reopen); false when
    // that failed and records still go to the old file. True without --audit-log.
    bool reopen_audit_log();

  private:
    struct parts;
    std::unique_ptr<parts> parts_;
};

}  // namespace fanout::daemon
