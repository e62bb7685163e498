#include "daemon/hardening.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

namespace fanout::daemon {

bool keep_secrets_out_of_core_dumps() {
    const rlimit none{0, 0};
    bool limited = ::setrlimit(RLIMIT_CORE, &none) == 0;
    bool undumpable = ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0;
    return limited && undumpable;
}

std::optional<std::string> others_can_write(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    const bool group = st.st_mode & S_IWGRP;
    const bool others = st.st_mode & S_IWOTH;
    if (group && others) return "group and others";
    if (group) return "group";
    if (others) return "others";
    return std::nullopt;
}

}  // namespace fanout::daemon
