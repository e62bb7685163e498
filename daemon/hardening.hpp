// Process hardening that fanoutd applies at start, apart from main() so it can be tested.
//
// Contract:
// - keep_secrets_out_of_core_dumps() marks the process not dumpable (prctl PR_SET_DUMPABLE 0:
//   no core file, whatever core_pattern says, and no ptrace by other processes of the same
//   user) and sets RLIMIT_CORE to 0. The inventory's passwords and passphrases live in this
//   process's memory, so a core file would hold them in clear. Returns false (and changes what
//   it could) when the kernel refuses; never throws.
// - others_can_write() names who other than the owner may write `path` ("group", "others",
//   "group and others"), or nothing. Whoever can write known_hosts can add a key for any
//   router; whoever can write devices.json can send fanoutd's commands and credentials to any
//   host. A missing or unreadable path answers nothing (the caller reports those itself).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace fanout::daemon {

bool keep_secrets_out_of_core_dumps();
std::optional<std::string> others_can_write(const std::filesystem::path& path);

}  // namespace fanout::daemon
