#include "tests/support/netconfd_server.hpp"

#include <chrono>
#include <stdexcept>
#include <string>

namespace fanout::testing {

namespace {
constexpr const char* subsystem_binary = "/usr/sbin/netconf-subsystem";
}  // namespace

netconfd_server::netconfd_server(bool gated) : socket_path_(dir_.file("ncxserver.sock")) {
    const std::string gate = std::string("/usr/bin/python3 ") + FANOUT_SOURCE_DIR +
                             "/tests/support/netconf_subsystem_gate.py ";
    sshd_ = std::make_unique<sshd_server>(std::vector<std::string>{
        "Subsystem netconf " + (gated ? gate : std::string()) + subsystem_binary +
        " --ncxserver-sockname={port}@" + socket_path_});
    // netconfd reads and rewrites its transaction id file, startup-cfg-txid.txt, from the
    // first place it finds one: the current directory, else ~/.yuma, which every netconfd of
    // the user shares (tests in parallel failed with "Read txid file failed"). So each runs in
    // its own directory, which holds its own file.
    dir_.write("startup-cfg-txid.txt", "0\n");
    netconfd_ = std::make_unique<child_process>(std::vector<std::string>{
        "/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", dir_.path(), "/usr/sbin/netconfd",
        "--no-startup", "--superuser=root", "--ncxserver-sockname=" + socket_path_,
        "--port=" + std::to_string(sshd_->port()), "--log-level=info"});
    try {
        netconfd_->wait_for_line("Running netconfd server", std::chrono::seconds(30));
    } catch (const std::runtime_error& e) {
        std::string log;
        for (const auto& line : netconfd_->lines()) log += "\n  " + line;
        throw std::runtime_error(std::string("netconfd did not start: ") + e.what() + log);
    }
}

netconfd_server::~netconfd_server() {
    netconfd_.reset();
    sshd_.reset();
}

std::string netconfd_server::wait_for_log(std::string_view needle,
                                          std::chrono::milliseconds timeout) {
    return netconfd_->wait_for_line(needle, timeout);
}

void netconfd_server::wait_until_active(int id, std::chrono::milliseconds timeout) {
    const std::string active = "Session " + std::to_string(id) + " for root@127.0.0.1 now active";
    for (const auto& line : netconfd_->lines())
        if (line.find(active) != std::string::npos) return;
    netconfd_->wait_for_text(active, timeout);
}

std::size_t netconfd_server::subsystem_sessions() const {
    std::size_t count = 0;
    for (const auto& record : sshd_->commands_run())
        count += record.command.find(subsystem_binary) != std::string::npos;
    return count;
}

}  // namespace fanout::testing
