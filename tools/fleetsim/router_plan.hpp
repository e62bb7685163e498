// fleetsim's per-router plan: the per-router options as given (--fault, --fault-every,
// --key-auth[-every], --slow-every, --netconf-only[-every], --netconf-base10[-every],
// --direct-every) resolved into one router_spec per router.
//
// Contract: build_plan() returns routers <prefix>1..<prefix>N in index order. --fault-every
// applies first, then each --fault NAME=KIND (so it overrides); --fault bastionJ=KIND sets the
// fault of that bastion in `options.bastions` instead (which must be made first); a NAME list and
// its every-K option set one flag together; `bastion` comes from bastion_for(). Anything malformed
// or naming no router throws CLI::ValidationError, which parse_options() reports.
#pragma once

#include <string>
#include <vector>

#include "tools/fleetsim/options.hpp"

namespace fanout::fleetsim {

// The per-router options as given, before they are resolved into the plan.
struct plan_inputs {
    std::vector<std::string> faults;
    std::vector<std::string> fault_every;
    std::vector<std::string> key_auth;
    int key_auth_every = 0;
    std::string slow_every;
    std::vector<std::string> netconf_only;
    int netconf_only_every = 0;
    std::vector<std::string> netconf_base10;
    int netconf_base10_every = 0;
    int direct_every = 0;
    bool bastion_key_auth = false;
};

std::vector<router_spec> build_plan(fleet_options& options, const plan_inputs& in);

}  // namespace fanout::fleetsim
