// The --state-dir directory: private to fanoutd, or not used at all.
//
// Contract: prepare_state_dir() creates a missing directory (parents as needed, the directory
// itself mode 0700) and returns. An existing one is used only when it is a directory, owned by
// fanoutd's effective user, and gives no access to group or others; otherwise it throws
// state_dir_error naming the path, what is wrong and how to fix it (a configuration error:
// fanoutd exits 2). It never changes the
// mode or owner of a directory it did not create: a shared directory (say /tmp, mode 1777,
// possibly reached through a symbolic link) is refused, not quietly chmod-ed. The journal
// holds every accepted job's commands and results, so whoever can read or replace its files
// can read results or make fanoutd run commands after a restart. The check is on the path, so
// it holds only when every parent directory is trusted (writable by root or fanoutd alone).
#pragma once

#include <filesystem>
#include <stdexcept>

namespace fanout::daemon {

class state_dir_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

void prepare_state_dir(const std::filesystem::path& dir);

}  // namespace fanout::daemon
