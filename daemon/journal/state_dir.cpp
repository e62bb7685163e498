#include "daemon/journal/state_dir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

namespace fanout::daemon {
namespace {

[[noreturn]] void refuse(const std::filesystem::path& dir, const std::string& why) {
    throw state_dir_error("--state-dir " + dir.string() + ": " + why);
}

std::string octal(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

}  // namespace

void prepare_state_dir(const std::filesystem::path& given) {
    // "state/" names the same directory as "state": its parent is not "state" itself.
    auto dir = given.lexically_normal();
    if (!dir.has_filename() && dir.has_parent_path()) dir = dir.parent_path();
    if (!dir.parent_path().empty()) {
        std::error_code ec;
        std::filesystem::create_directories(dir.parent_path(), ec);
        if (ec) refuse(dir, "cannot create its parent: " + ec.message());
    }
    if (::mkdir(dir.c_str(), 0700) == 0) return;  // ours, private from the start
    if (errno != EEXIST) refuse(dir, std::strerror(errno));
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) refuse(dir, std::strerror(errno));
    if (!S_ISDIR(st.st_mode)) refuse(dir, "exists and is not a directory");
    if (st.st_uid != ::geteuid())
        refuse(dir, "is owned by uid " + std::to_string(st.st_uid) + ", not by fanoutd (uid " +
                        std::to_string(::geteuid()) +
                        "); give a directory of fanoutd's own, or a new path it will create");
    if (st.st_mode & 0077)
        refuse(dir, "has mode " + octal(st.st_mode) +
                        ": group or others can reach the journal (every job's commands and "
                        "results); chmod 700 it, or give a new path fanoutd will create 0700");
}

}  // namespace fanout::daemon
