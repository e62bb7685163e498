#include "tools/fanoutctl/out_dir.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

#include "tools/fanoutctl/render_json.hpp"
#include "tools/fanoutctl/render_text.hpp"

namespace fanout::ctl {
namespace {

struct router_files {
    std::string out, err;
};

// Writes the whole of `bytes` to dir/name, replacing a regular file, refusing a symlink.
std::string write_file(const std::string& dir, const std::string& name, const std::string& bytes) {
    const auto path = dir + "/" + name;
    const int fd =
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0) return "cannot write " + path + ": " + std::strerror(errno);
    std::size_t done = 0;
    while (done < bytes.size()) {
        const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const std::string problem = "cannot write " + path + ": " + std::strerror(errno);
            ::close(fd);
            return problem;
        }
        done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) return "cannot write " + path + ": " + std::strerror(errno);
    return {};
}

std::string failure_line(const protocol::router_result& r, bool show_command) {
    std::string line = "fanoutctl: ";
    if (show_command) line += "[" + r.command + "] ";
    if (r.status == protocol::router_status::cancelled) return line + "cancelled\n";
    const auto kind = r.error ? std::string(protocol::to_string(r.error->kind)) + ": " : "";
    return line + "FAILED " + kind + failure_message(r) + '\n';
}

}  // namespace

std::string out_dir_file_name(std::string_view router_name) {
    std::string name;
    for (std::size_t i = 0; i < router_name.size(); ++i) {
        const char c = router_name[i];
        if (c == '%')
            name += "%25";
        else if (c == '/')
            name += "%2F";
        else if (c == '.' && i == 0)
            name += "%2E";
        else
            name += c;
    }
    if (name.ends_with(".err") || name == "job.json") {
        const auto dot = name.rfind('.');
        name.replace(dot, 1, "%2E");
    }
    return name;
}

std::string prepare_out_dir(const std::string& dir) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) return "--out-dir: cannot create " + dir + ": " + error.message();
    if (!std::filesystem::is_directory(dir, error))
        return "--out-dir: " + dir + " is not a directory";
    return {};
}

std::vector<std::string> write_out_dir(const std::string& dir, const protocol::job_result& job) {
    if (auto problem = prepare_out_dir(dir); !problem.empty()) return {problem};

    const bool show_command = job.summary.commands.size() > 1;
    std::map<std::string, router_files> files;  // by file name
    for (const auto& r : job.results) {
        auto& f = files[out_dir_file_name(r.router_name)];
        f.out += r.output;
        f.err += r.stderr_output;
        if (r.status != protocol::router_status::success) f.err += failure_line(r, show_command);
    }
    std::vector<std::string> problems;
    const auto note = [&problems](std::string problem) {
        if (!problem.empty()) problems.push_back(std::move(problem));
    };
    for (const auto& [name, f] : files) {
        note(write_file(dir, name, f.out));
        if (!f.err.empty()) {
            note(write_file(dir, name + ".err", f.err));
        } else if (::unlink((dir + "/" + name + ".err").c_str()) != 0 && errno != ENOENT) {
            note("cannot remove the stale " + dir + "/" + name + ".err: " + std::strerror(errno));
        }
    }
    note(write_file(dir, "job.json", json_line(to_json(job))));
    return problems;
}

}  // namespace fanout::ctl
