#include "tests/support/sshd_server.hpp"

#include "tests/support/loopback_port.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace fanout::testing {
namespace {

constexpr const char* junos_script = R"sh(#!/bin/sh
# A tiny Junos CLI for transport tests: answers $SSH_ORIGINAL_COMMAND.
cmd="$SSH_ORIGINAL_COMMAND"
set -- $SSH_CLIENT
printf '%s %s\n' "$2" "$cmd" >> "$(dirname "$0")/commands.log"
case "$cmd" in
"show version")
    printf 'Hostname: fanout-sshd\nModel: mx960\nJunos: 23.4R1.9\n'
    printf 'JUNOS OS Kernel 64-bit  [20231213.0c5ef7b_builder_stable_13]\n' ;;
"show system uptime")
    printf 'Current time: 2026-01-01 00:00:00 UTC\nSystem booted: 2025-12-01 00:00:00 UTC (4w3d ago)\n' ;;
"sleep "*)
    end=$(( $(date +%s) + ${cmd#sleep } ))
    while [ "$(date +%s)" -lt "$end" ]; do printf . || exit 1; sleep 0.2; done ;;
"flood "*)
    head -c "${cmd#flood }" /dev/zero | tr '\0' x ;;
"drop")
    printf 'partial output\n'
    kill -9 $PPID ;;
"/usr/sbin/netconf-subsystem "* | "/usr/bin/python3 "*"/netconf_subsystem_gate.py "*)
    exec $cmd ;;
"/bin/bash "*"/netconf-fault.sh")
    # A netconf subsystem (netconfd_server.hpp, or a test's fake): ForceCommand also catches
    # subsystems, with the Subsystem line's command in SSH_ORIGINAL_COMMAND.
    exec $cmd ;;
"exit "*)
    echo "exiting with ${cmd#exit }" >&2
    exit "${cmd#exit }" ;;
*)
    printf '\nerror: syntax error, expecting <command>: %s\n' "$cmd" >&2
    exit 1 ;;
esac
)sh";

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

}  // namespace

std::string run_tool(std::vector<std::string> argv) {
    std::string name = argv.front();
    child_process tool(std::move(argv));
    tool.drain(std::chrono::seconds(30));
    auto status = tool.wait(std::chrono::seconds(30));
    if (!status || *status != 0)
        throw std::runtime_error(name + " failed with status " +
                                 (status ? std::to_string(*status) : std::string("(timeout)")));
    std::string output;
    for (const auto& line : tool.lines()) output += line + "\n";
    return output;
}

sshd_server::sshd_server(std::vector<std::string> extra_config)
    : extra_config_(std::move(extra_config)) {
    std::filesystem::create_directories("/run/sshd");  // sshd's privilege separation directory
    known_hosts_path_ = dir_.file("known_hosts");
    client_key_path_ = generate_key("client_key");
    std::filesystem::copy_file(client_key_path_ + ".pub", dir_.file("authorized_keys"));
    run_tool({"/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fanout-test-host",
              "-f", dir_.file("host_key")});
    write_file(dir_.file("junos.sh"), junos_script);
    std::filesystem::permissions(dir_.file("junos.sh"), std::filesystem::perms::owner_all);

    for (int attempt = 0;; ++attempt) {
        port_ = free_loopback_port();
        try {
            start();
            break;
        } catch (const std::runtime_error&) {
            // Another process took the port between our probe and sshd's bind.
            if (attempt == 4) throw;
        }
    }
    write_file(known_hosts_path_, host_key_line() + "\n");
}

// Processes stopped by freeze_connections() ignore SIGTERM until continued: a test that failed
// before drop_connections() would leave them stopped for good. So: SIGCONT, then SIGTERM; then
// sshd itself goes with sshd_.
sshd_server::~sshd_server() {
    if (!sshd_) return;
    std::vector<pid_t> left;
    try {
        left = connection_processes();
    } catch (const std::exception&) {
        return;  // /proc unreadable: nothing more to do in a destructor
    }
    for (pid_t pid : left) ::kill(pid, SIGCONT);
    for (pid_t pid : left) ::kill(pid, SIGTERM);
}

void sshd_server::write_files() {
    std::ostringstream config;
    // First: in sshd_config the first value of a keyword wins.
    for (auto line : extra_config_) {
        for (auto at = line.find("{port}"); at != std::string::npos; at = line.find("{port}"))
            line.replace(at, 6, std::to_string(port_));
        config << line << "\n";
    }
    config << "ListenAddress 127.0.0.1\n"
           << "Port " << port_ << "\n"
           << "HostKey " << dir_.file("host_key") << "\n"
           << "PidFile " << dir_.file("sshd.pid") << "\n"
           << "AuthorizedKeysFile " << dir_.file("authorized_keys") << "\n"
           << "PasswordAuthentication no\n"
           << "KbdInteractiveAuthentication no\n"
           << "PermitRootLogin prohibit-password\n"
           << "StrictModes no\n"
           << "UsePAM no\n"
           << "PrintMotd no\n"
           << "MaxStartups 100\n"
           << "ForceCommand " << dir_.file("junos.sh") << "\n";
    write_file(dir_.file("sshd_config"), config.str());
}

void sshd_server::start() {
    write_files();
    sshd_.reset();
    sshd_ = std::make_unique<child_process>(
        std::vector<std::string>{"/usr/sbin/sshd", "-D", "-e", "-f", dir_.file("sshd_config")},
        child_process::capture::stderr_stream);
    try {
        sshd_->wait_for_line("Server listening", std::chrono::seconds(20));
    } catch (const std::runtime_error& e) {
        std::string log;
        for (const auto& line : sshd_->lines()) log += "\n  " + line;
        sshd_.reset();
        throw std::runtime_error(std::string("sshd did not start: ") + e.what() + log);
    }
}

std::string sshd_server::host_key_line() const {
    return "[127.0.0.1]:" + std::to_string(port_) + " " +
           trimmed(read_file(dir_.file("host_key.pub")));
}

std::string sshd_server::host_key_fingerprint() const {
    std::istringstream fields(
        run_tool({"/usr/bin/ssh-keygen", "-l", "-E", "sha256", "-f", dir_.file("host_key.pub")}));
    std::string bits, fingerprint;
    fields >> bits >> fingerprint;
    return fingerprint;
}

void sshd_server::replace_host_key() {
    sshd_.reset();
    std::filesystem::remove(dir_.file("host_key"));
    std::filesystem::remove(dir_.file("host_key.pub"));
    run_tool({"/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fanout-test-host-2",
              "-f", dir_.file("host_key")});
    start();
}

std::size_t sshd_server::logins(std::chrono::milliseconds settle) {
    sshd_->drain(settle);
    std::size_t count = 0;
    for (const auto& line : sshd_->lines())
        if (line.find("Accepted publickey") != std::string::npos) ++count;
    return count;
}

std::vector<pid_t> sshd_server::connection_processes() const {
    // Parent of every process, from /proc; then everything below sshd's pid.
    std::map<pid_t, std::vector<pid_t>> children;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const std::string name = entry.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream stat(entry.path() / "stat");
        std::string line;
        if (!std::getline(stat, line)) continue;
        auto close = line.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream fields(line.substr(close + 2));
        char state;
        pid_t parent = 0;
        fields >> state >> parent;
        children[parent].push_back(static_cast<pid_t>(std::stol(name)));
    }
    std::vector<pid_t> doomed, pending{sshd_->pid()};
    while (!pending.empty()) {
        pid_t pid = pending.back();
        pending.pop_back();
        for (pid_t child : children[pid]) {
            doomed.push_back(child);
            pending.push_back(child);
        }
    }
    return doomed;
}

int sshd_server::freeze_connections() {
    auto frozen = connection_processes();
    for (pid_t pid : frozen) ::kill(pid, SIGSTOP);
    return static_cast<int>(frozen.size());
}

int sshd_server::drop_connections() {
    std::vector<pid_t> doomed = connection_processes();
    for (pid_t pid : doomed) ::kill(pid, SIGKILL);
    // Gone (or a zombie of sshd) within 10 s, so the kernel has closed their sockets.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (pid_t pid : doomed) {
        while (std::chrono::steady_clock::now() < deadline) {
            std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
            std::string line;
            if (!std::getline(stat, line) || line.find(") Z") != std::string::npos) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    return static_cast<int>(doomed.size());
}

std::vector<sshd_server::command_record> sshd_server::commands_run() const {
    std::vector<command_record> commands;
    std::ifstream log(dir_.file("commands.log"));
    for (std::string line; std::getline(log, line);) {
        auto space = line.find(' ');
        if (space == std::string::npos) continue;
        commands.push_back({line.substr(0, space), line.substr(space + 1)});
    }
    return commands;
}

std::string sshd_server::generate_key(std::string_view name, std::string_view passphrase) const {
    std::string path = dir_.file(name);
    run_tool({"/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", std::string(passphrase), "-C",
              std::string(name), "-f", path});
    return path;
}

}  // namespace fanout::testing
