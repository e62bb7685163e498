// The same 150-router job through `pdsh -R ssh ... | dshbak -c` and through
// `fanoutctl run --collapse`: both must group the routers into the same node sets. Routers
// whose connection fails (auth, refused) print nothing on pdsh's stdout, so only groups of
// routers that answered are compared.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/support/fanout_harness.hpp"
#include "tools/fanoutctl/node_set.hpp"

using namespace fanout::testing;
using router_set = std::set<std::string>;
using groups = std::set<router_set>;

namespace {

constexpr int fleet_size = 150;

// An OpenSSH client config for every router of the fleet (key auth, strict host keys).
std::string write_ssh_config(const temp_dir& dir, const fleet& routers) {
    std::ifstream in(routers.devices_json());
    const auto devices = nlohmann::json::parse(in);
    const auto path = dir.file("ssh_config");
    std::ofstream out(path);
    for (const auto& [name, device] : devices.items()) {
        out << "Host " << name << "\n  HostName " << device.at("ip").get<std::string>()
            << "\n  Port " << device.at("port") << "\n  User "
            << device.at("username").get<std::string>() << "\n  IdentityFile "
            << dir.file("client_ed25519") << "\n  IdentitiesOnly yes\n  UserKnownHostsFile "
            << routers.known_hosts()
            << "\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n"
               "  BatchMode yes\n  ConnectTimeout 10\n  LogLevel ERROR\n\n";
    }
    return path;
}

router_set expand(const std::string& node_set) {
    auto names = fanout::ctl::expand_node_set(node_set);
    EXPECT_TRUE(std::holds_alternative<std::vector<std::string>>(names)) << node_set;
    if (auto* list = std::get_if<std::vector<std::string>>(&names))
        return router_set(list->begin(), list->end());
    return {};
}

bool is_rule(const std::string& line) {
    return line.size() >= 8 && line.find_first_not_of('-') == std::string::npos;
}

// The node set of every block heading (`----` / heading / `----`) that `keep` accepts.
// The node set of every block heading (`----` / heading / `----`, then the block's lines) that
// `keep` accepts. Read in order, so a block's closing rule never opens another heading.
template <typename Keep>
groups headings(const std::vector<std::string>& lines, Keep keep) {
    groups out;
    for (std::size_t i = 0; i + 2 < lines.size(); ++i) {
        if (!is_rule(lines[i]) || !is_rule(lines[i + 2])) continue;
        const auto& heading = lines[i + 1];
        if (keep(heading)) out.insert(expand(heading.substr(0, heading.find(" ("))));
        i += 2;
    }
    return out;
}

groups dshbak_groups(const temp_dir& dir, const std::string& ssh_config,
                     const std::string& command) {
    const std::string script = "PDSH_SSH_ARGS=\"-F " + ssh_config +
                               " -x -a -l%u %h\" pdsh -R ssh -l fanout -f 32 -t 10 -u 60 -w 'r[1-" +
                               std::to_string(fleet_size) + "]' '" + command + "' 2>" +
                               dir.file("pdsh.err") + " | dshbak -c";
    child_process pdsh({"/bin/sh", "-c", script});
    pdsh.drain(180s);
    EXPECT_EQ(pdsh.wait(60s), 0);
    return headings(pdsh.lines(), [](const std::string&) { return true; });
}

groups fanoutctl_groups(const fanoutd_process& daemon, const std::string& command) {
    child_process ctl({FANOUTCTL_BIN, "--jobs", daemon.jobs(), "--results", daemon.results(), "run",
                       "-r", "r[1-" + std::to_string(fleet_size) + "]", "--collapse",
                       "--no-progress", "--timeout", "60", command});
    ctl.drain(180s);
    EXPECT_EQ(ctl.wait(60s), 1) << "r5 and r77 fail";
    return headings(ctl.lines(), [](const std::string& heading) {
        return heading.find("FAILED") == std::string::npos ||
               heading.find("FAILED  exit_status") != std::string::npos;
    });
}

TEST(fanoutctl_dshbak, collapse_groups_the_same_node_sets_as_pdsh_and_dshbak) {
    if (std::system("command -v pdsh >/dev/null && command -v dshbak >/dev/null") != 0)
        GTEST_SKIP() << "pdsh and dshbak are not installed (scripts/install-deps.sh installs them)";
    temp_dir dir;
    fleet routers(dir, fleet_size,
                  {"--key-auth-every", "1", "--fault", "r5=auth_fail", "--fault", "r77=refuse"});
    fanoutd_process daemon(dir, routers.devices_json(), routers.known_hosts());
    const auto ssh_config = write_ssh_config(dir, routers);

    // One answer for every router that ran it: one group of 148.
    const auto bad_command = dshbak_groups(dir, ssh_config, "show foo");
    ASSERT_EQ(bad_command.size(), 1u);
    EXPECT_EQ(bad_command.begin()->size(), 148u);
    EXPECT_EQ(fanoutctl_groups(daemon, "show foo"), bad_command);

    // A different answer from each router: 148 groups of one.
    const auto versions = dshbak_groups(dir, ssh_config, "show version");
    EXPECT_EQ(versions.size(), 148u);
    EXPECT_EQ(fanoutctl_groups(daemon, "show version"), versions);
}

}  // namespace
