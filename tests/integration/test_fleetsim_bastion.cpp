// fleetsim as a bastion (--bastions K), driven by clients that are not fanoutd: OpenSSH's ssh
// (Debian's openssh-client, with a private ssh_config: BatchMode, fleetsim's known_hosts and
// client key, no agent) reaching routers with ProxyJump and through one multiplexed bastion
// session (a ControlMaster and `ssh -W` per router), and plain libssh opening hundreds of
// direct-tcpip channels on one session. Checks devices.json's bastion entries and "jump"s,
// the SIGUSR1 counts (sessions, channels, channels open) and every bastion fault as the
// client sees it: down, auth_fail, changed_key, refuse_channels, drop_after=N.
#include <gtest/gtest.h>
#include <libssh/libssh.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/fanout_harness.hpp"

namespace fanout::testing {
namespace {

nlohmann::json read_devices(const fleet& f) {
    std::ifstream in(f.devices_json());
    return nlohmann::json::parse(in);
}

// An ssh_config for `f`'s devices.json: one Host block per entry. A router behind a bastion
// gets ProxyJump, or with `control_path` a ProxyCommand `ssh -W` through that ControlMaster,
// so every router shares the master's one bastion session.
std::string write_ssh_config(const temp_dir& dir, const fleet& f,
                             const std::string& control_path = "") {
    const std::string path = dir.file("ssh_config");
    std::ofstream out(path);
    const auto devices = read_devices(f);
    for (const auto& [name, entry] : devices.items()) {
        out << "Host " << name << "\n  HostName " << entry["ip"].get<std::string>() << "\n  Port "
            << entry["port"].get<int>() << "\n";
        if (!entry.contains("jump")) continue;
        const std::string bastion = entry["jump"][0];
        if (control_path.empty()) {
            out << "  ProxyJump " << bastion << "\n";
        } else {
            out << "  ProxyCommand /usr/bin/ssh -F " << path << " -S " << control_path
                << " -W [%h]:%p " << bastion << "\n";
        }
    }
    out << "Host *\n  User fanout\n  IdentityFile " << dir.file("client_ed25519")
        << "\n  IdentitiesOnly yes\n  IdentityAgent none\n  UserKnownHostsFile " << f.known_hosts()
        << "\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  BatchMode yes\n"
           "  ConnectTimeout 30\n  ControlMaster no\n  LogLevel ERROR\n";
    return path;
}

struct ssh_outcome {
    int status = -1;
    std::string output;  // stdout and stderr
};

// `ssh -F config host command`, both streams captured, to its end.
std::unique_ptr<child_process> start_ssh(const std::string& config, const std::string& host,
                                         const std::string& command) {
    return std::make_unique<child_process>(std::vector<std::string>{
        "/bin/sh", "-c", "exec /usr/bin/ssh -F \"$0\" \"$1\" \"$2\" 2>&1", config, host, command});
}

ssh_outcome finish_ssh(child_process& ssh, std::chrono::seconds timeout = 60s) {
    ssh.drain(timeout);
    ssh_outcome outcome;
    outcome.status = ssh.wait(timeout).value_or(-1);
    for (const auto& line : ssh.lines()) outcome.output += line + "\n";
    return outcome;
}

ssh_outcome run_ssh(const std::string& config, const std::string& host,
                    const std::string& command = "show version") {
    return finish_ssh(*start_ssh(config, host, command));
}

// Polls fleetsim's counts until `done` holds (fails the test after `timeout`).
fleet_counts counts_when(fleet& f, const std::function<bool(const fleet_counts&)>& done,
                         std::chrono::seconds timeout = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        fleet_counts counts = f.counts();
        if (done(counts)) return counts;
        if (std::chrono::steady_clock::now() > deadline) {
            ADD_FAILURE() << "fleetsim's counts never reached the expected state";
            return counts;
        }
        std::this_thread::sleep_for(50ms);
    }
}

const args key_auth{"--key-auth-every", "1", "--bastion-key-auth"};

args with(args base, const args& more) {
    base.insert(base.end(), more.begin(), more.end());
    return base;
}

TEST(fleetsim_bastion, devices_json_puts_routers_behind_bastions_round_robin) {
    temp_dir dir;
    fleet f(dir, 6, {"--bastions", "2", "--direct-every", "3"});
    const auto devices = read_devices(f);
    for (const std::string bastion : {"bastion1", "bastion2"}) {
        ASSERT_TRUE(devices.contains(bastion));
        EXPECT_EQ(devices[bastion]["role"], "bastion");
        EXPECT_FALSE(devices[bastion].contains("jump"));
        EXPECT_EQ(devices[bastion]["auth"]["type"], "password");
    }
    const std::vector<std::string> jumps{"bastion1", "bastion2", "", "bastion2", "bastion1", ""};
    for (int i = 1; i <= 6; ++i) {
        const auto& router = devices["r" + std::to_string(i)];
        EXPECT_FALSE(router.contains("role"));
        if (jumps[i - 1].empty()) {
            EXPECT_FALSE(router.contains("jump")) << i;
        } else {
            EXPECT_EQ(router["jump"], nlohmann::json::array({jumps[i - 1]})) << i;
        }
    }
    // Each bastion's own host key is in known_hosts, distinct from the routers' key.
    std::ifstream in(f.known_hosts());
    std::vector<std::string> keys;
    for (std::string host, type, key; in >> host >> type >> key;) keys.push_back(key);
    ASSERT_EQ(keys.size(), 8u);
    EXPECT_NE(keys[0], keys[1]);
    EXPECT_NE(keys[0], keys[2]);
    EXPECT_EQ(keys[2], keys[7]);
}

TEST(fleetsim_bastion, openssh_proxyjump_runs_show_version_through_each_bastion) {
    temp_dir dir;
    fleet f(dir, 4, with(key_auth, {"--bastions", "2", "--direct-every", "4"}));
    const auto config = write_ssh_config(dir, f);
    for (int i = 1; i <= 4; ++i) {
        const auto outcome = run_ssh(config, "r" + std::to_string(i));
        EXPECT_EQ(outcome.status, 0) << outcome.output;
        EXPECT_NE(outcome.output.find("Hostname: r" + std::to_string(i) + "\n"), std::string::npos)
            << outcome.output;
    }
    // r1, r3 behind bastion1, r2 behind bastion2, r4 direct: one session and channel each.
    const auto counts = counts_when(f, [](const fleet_counts& c) {
        return c.bastion_channels == 3 && c.bastion_channels_open == 0;
    });
    EXPECT_EQ(counts.connections, 4u);
    EXPECT_EQ(counts.bastion_connections, 3u);
    EXPECT_EQ(counts.bastion_sessions, 3u);
    EXPECT_EQ(counts.per_bastion.at("bastion1.sessions"), 2u);
    EXPECT_EQ(counts.per_bastion.at("bastion1.channels"), 2u);
    EXPECT_EQ(counts.per_bastion.at("bastion2.sessions"), 1u);
    EXPECT_EQ(counts.per_bastion.at("bastion2.channels"), 1u);
    EXPECT_EQ(counts.per_bastion.at("bastion2.channels_open"), 0u);
}

// One bastion session (an OpenSSH ControlMaster) carries every router's connection: many
// at once, a 20 MB output intact through the channel's flow control.
TEST(fleetsim_bastion, one_multiplexed_session_carries_every_router) {
    temp_dir dir;
    fleet f(dir, 30,
            with(key_auth,
                 {"--bastions", "1", "--fault", "r30=huge_output", "--huge-bytes", "20000000"}));
    const std::string control = dir.file("ctl");
    const auto config = write_ssh_config(dir, f, control);
    child_process master({"/usr/bin/ssh", "-F", config, "-M", "-S", control, "-N", "bastion1"});
    counts_when(f, [](const fleet_counts& c) { return c.bastion_sessions == 1; });

    for (int round = 0; round < 2; ++round) {
        std::vector<std::unique_ptr<child_process>> clients;
        for (int i = 1; i <= 29; ++i) {
            clients.push_back(start_ssh(config, "r" + std::to_string(i), "show version"));
        }
        for (int i = 1; i <= 29; ++i) {
            const auto outcome = finish_ssh(*clients[i - 1]);
            EXPECT_EQ(outcome.status, 0) << outcome.output;
            EXPECT_NE(outcome.output.find("Hostname: r" + std::to_string(i) + "\n"),
                      std::string::npos);
        }
    }
    child_process huge(
        {"/bin/sh", "-c", "/usr/bin/ssh -F \"$0\" r30 'show version' | wc -c", config});
    EXPECT_EQ(huge.wait_for_line("", 120s), "20000000");
    EXPECT_EQ(huge.wait(60s).value_or(-1), 0);

    const auto counts = counts_when(f, [](const fleet_counts& c) {
        return c.bastion_channels == 59 && c.bastion_channels_open == 0;
    });
    EXPECT_EQ(counts.bastion_sessions, 1u);
    EXPECT_EQ(counts.bastion_connections, 1u);
    EXPECT_EQ(counts.connections, 59u);
}

// libssh as the client: hundreds of direct-tcpip channels open at once on one session, each
// joined to its own router connection; anything but a fleet router, and exec, refused.
class bastion_client {
  public:
    bastion_client(const nlohmann::json& bastion, const std::string& known_hosts)
        : session_(ssh_new()) {
        const std::string host = bastion["ip"], user = bastion["username"];
        const int port = bastion["port"];
        const int process_config = 0;
        long timeout_s = 30;
        ssh_options_set(session_, SSH_OPTIONS_PROCESS_CONFIG, &process_config);
        ssh_options_set(session_, SSH_OPTIONS_HOST, host.c_str());
        ssh_options_set(session_, SSH_OPTIONS_PORT, &port);
        ssh_options_set(session_, SSH_OPTIONS_USER, user.c_str());
        ssh_options_set(session_, SSH_OPTIONS_KNOWNHOSTS, known_hosts.c_str());
        ssh_options_set(session_, SSH_OPTIONS_TIMEOUT, &timeout_s);
        EXPECT_EQ(ssh_connect(session_), SSH_OK) << ssh_get_error(session_);
        EXPECT_EQ(ssh_session_is_known_server(session_), SSH_KNOWN_HOSTS_OK);
        const std::string password = bastion["auth"]["password"];
        EXPECT_EQ(ssh_userauth_password(session_, nullptr, password.c_str()), SSH_AUTH_SUCCESS);
    }
    ~bastion_client() {
        ssh_disconnect(session_);
        ssh_free(session_);
    }

    // A direct-tcpip channel to host:port, or null when the bastion refused it.
    ssh_channel forward(const std::string& host, int port) {
        ssh_channel channel = ssh_channel_new(session_);
        if (ssh_channel_open_forward(channel, host.c_str(), port, "127.0.0.1", 40000) != SSH_OK) {
            ssh_channel_free(channel);
            return nullptr;
        }
        return channel;
    }

    ssh_session session() const { return session_; }

  private:
    ssh_session session_;
};

// The first line the router sends on `channel`: its SSH banner.
std::string first_line(ssh_channel channel) {
    std::string line;
    char byte = 0;
    while (line.size() < 256) {
        if (ssh_channel_read_timeout(channel, &byte, 1, 0, 30000) != 1) break;
        if (byte == '\n') break;
        line += byte;
    }
    return line;
}

TEST(fleetsim_bastion, hundreds_of_channels_on_one_session_and_only_fleet_routers) {
    temp_dir dir;
    fleet f(dir, 10, {"--bastions", "1"});
    const auto devices = read_devices(f);
    bastion_client client(devices["bastion1"], f.known_hosts());

    const int bastion_port = devices["bastion1"]["port"];
    EXPECT_EQ(client.forward("127.0.0.1", bastion_port), nullptr);  // itself: not a router
    EXPECT_EQ(client.forward("127.0.0.2", devices["r1"]["port"].get<int>()), nullptr);
    EXPECT_EQ(client.forward("localhost", devices["r1"]["port"].get<int>()), nullptr);
    ssh_channel shell = ssh_channel_new(client.session());
    EXPECT_NE(ssh_channel_open_session(shell), SSH_OK);  // no exec, no shell
    ssh_channel_free(shell);

    std::vector<ssh_channel> channels;
    for (int i = 0; i < 300; ++i) {
        const auto& router = devices["r" + std::to_string(i % 10 + 1)];
        ssh_channel channel = client.forward(router["ip"], router["port"]);
        ASSERT_NE(channel, nullptr) << "channel " << i << ": " << ssh_get_error(client.session());
        channels.push_back(channel);
    }
    auto counts = f.counts();
    EXPECT_EQ(counts.bastion_sessions, 1u);
    EXPECT_EQ(counts.bastion_channels, 300u);
    EXPECT_EQ(counts.bastion_channels_open, 300u);
    for (ssh_channel channel : channels) {
        EXPECT_EQ(first_line(channel).rfind("SSH-2.0-", 0), 0u);
    }
    EXPECT_EQ(
        counts_when(f, [](const fleet_counts& c) { return c.connections == 300; }).connections,
        300u);
    for (ssh_channel channel : channels) {
        ssh_channel_close(channel);
        ssh_channel_free(channel);
    }
    counts_when(f, [](const fleet_counts& c) { return c.bastion_channels_open == 0; });
}

// --fault bastion1=KIND, r1 behind bastion1 and r2 behind the healthy bastion2: `ssh r1`
// fails with what OpenSSH says for that fault, r1 is never reached, r2 still works.
struct fault_case {
    std::string kind;
    std::string client_says;
    friend void PrintTo(const fault_case& c, std::ostream* out) { *out << c.kind; }
};

class fleetsim_bastion_fault : public ::testing::TestWithParam<fault_case> {};

TEST_P(fleetsim_bastion_fault, openssh_sees_the_fault_and_the_router_is_never_reached) {
    temp_dir dir;
    fleet f(dir, 2, with(key_auth, {"--bastions", "2", "--fault", "bastion1=" + GetParam().kind}));
    const auto config = write_ssh_config(dir, f);
    const auto failed = run_ssh(config, "r1");
    EXPECT_EQ(failed.status, 255) << failed.output;
    EXPECT_NE(failed.output.find(GetParam().client_says), std::string::npos) << failed.output;
    EXPECT_EQ(failed.output.find("Hostname:"), std::string::npos) << failed.output;

    const auto healthy = run_ssh(config, "r2");
    EXPECT_EQ(healthy.status, 0) << healthy.output;
    const auto counts = f.counts();
    EXPECT_EQ(counts.connections, 1u);  // r2 only
    EXPECT_EQ(counts.per_bastion.at("bastion1.channels"), 0u);
    EXPECT_EQ(counts.per_bastion.at("bastion2.channels"), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    kinds, fleetsim_bastion_fault,
    ::testing::Values(fault_case{"down", "Connection refused"},
                      fault_case{"auth_fail", "Permission denied"},
                      fault_case{"changed_key", "Host key verification failed"},
                      fault_case{"refuse_channels", "stdio forwarding failed"}),
    [](const auto& info) { return info.param.kind; });

// drop_after=1: the session's first channel is in flight (r1 answers after 10 minutes) when
// the second channel's request drops the whole session: both clients and the master fail.
TEST(fleetsim_bastion, drop_after_drops_the_session_with_its_channels_in_flight) {
    temp_dir dir;
    fleet f(dir, 2,
            with(key_auth, {"--bastions", "1", "--fault", "bastion1=drop_after=1", "--slow-every",
                            "1:600000"}));
    const std::string control = dir.file("ctl");
    const auto config = write_ssh_config(dir, f, control);
    child_process master({"/usr/bin/ssh", "-F", config, "-M", "-S", control, "-N", "bastion1"});
    counts_when(f, [](const fleet_counts& c) { return c.bastion_sessions == 1; });

    auto in_flight = start_ssh(config, "r1", "show version");
    counts_when(f, [](const fleet_counts& c) {
        return c.bastion_channels_open == 1 && c.connections == 1;
    });
    const auto started = std::chrono::steady_clock::now();
    const auto second = run_ssh(config, "r2");
    EXPECT_EQ(second.status, 255) << second.output;
    const auto first = finish_ssh(*in_flight, 30s);
    EXPECT_EQ(first.status, 255) << first.output;
    EXPECT_EQ(first.output.find("Hostname:"), std::string::npos) << first.output;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 120s);  // not r1's 10 minutes
    EXPECT_EQ(master.wait(30s).value_or(-1), 255);

    const auto counts =
        counts_when(f, [](const fleet_counts& c) { return c.bastion_channels_open == 0; });
    EXPECT_EQ(counts.bastion_sessions, 1u);
    EXPECT_EQ(counts.bastion_channels, 1u);
    EXPECT_EQ(counts.connections, 1u);  // r2 was never reached
}

}  // namespace
}  // namespace fanout::testing
