// Which routers the scheduler's unfinished router tasks will still serve: the session pool keeps
// the idle sessions of those routers rather than evicting them (issue 16). The daemon wires it
// to the pool (daemon/daemon.cpp); the scheduler knows nothing of sessions.
//
// Contract: the scheduler calls it with its lock held, in the order the state changes; an
// implementation must be cheap, must not block and must not call back into the scheduler. Each
// router task is counted exactly once: added when its job is accepted (or restored with it
// still to run), removed when the task finishes, or when its job is cancelled before the task
// started. A router named by several unfinished jobs is added once per job.
#pragma once

#include <vector>

#include "daemon/admission/device.hpp"

namespace fanout::daemon {

class task_demand {
  public:
    virtual ~task_demand() = default;
    virtual void add(const std::vector<const device*>& routers) = 0;
    virtual void remove(const std::vector<const device*>& routers) = 0;
};

class null_task_demand final : public task_demand {
  public:
    void add(const std::vector<const device*>&) override {}
    void remove(const std::vector<const device*>&) override {}
};

}  // namespace fanout::daemon
