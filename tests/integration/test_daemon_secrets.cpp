// Secrets hygiene, end to end: with the log at trace level, passwords and key passphrases
// (right and wrong ones, auth failures included) appear in no log line, no reply, no
// published message and no fanoutctl output; a world-readable inventory holding them is
// warned about at start.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/fanout_harness.hpp"

using namespace fanout::testing;
using fanout::protocol::job_result;
using fanout::protocol::router_status;

namespace {

const std::string password = "Pw-4c1d-fleet-secret";
const std::string passphrase = "Pp-9e2b-key-secret";
const std::string wrong_passphrase = "Pp-wrong-5a7f-secret";
const std::string ghost_password = "Pw-ghost-3b8e-secret";

void expect_no_secret(const std::string& bytes, const std::string& what) {
    for (const auto& s : {password, passphrase, wrong_passphrase, ghost_password})
        EXPECT_EQ(bytes.find(s), std::string::npos) << what << " holds a secret:\n" << bytes;
}

int run_quietly(std::vector<std::string> argv, std::string* output = nullptr) {
    child_process p(std::move(argv), child_process::capture::stdout_stream);
    p.drain(60s);
    auto code = p.wait(30s);
    if (output)
        for (const auto& line : p.lines()) *output += line + "\n";
    return code ? *code : -1;
}

// r1 password, r2 encrypted key + passphrase, r3 the same key + a wrong passphrase,
// r4 password refused by the router, r5 keyboard-interactive only, ghost: nothing listens.
struct secret_fleet {
    temp_dir dir;
    fleet routers{dir,
                  5,
                  {"--password", password, "--key-auth", "r2", "--key-auth", "r3", "--fault",
                   "r4=auth_fail", "--fault", "r5=kbdint_only"}};

    secret_fleet() {
        auto key = dir.file("client_enc");
        std::filesystem::copy_file(dir.file("client_ed25519"), key);
        ::chmod(key.c_str(), 0600);
        if (run_quietly(
                {"/usr/bin/ssh-keygen", "-q", "-p", "-P", "", "-N", passphrase, "-f", key}) != 0)
            throw std::runtime_error("ssh-keygen could not encrypt the client key");
        auto devices = nlohmann::json::parse(read_text(routers.devices_json()));
        devices["r2"]["auth"] = {
            {"type", "ssh_key"}, {"private_key_path", key}, {"passphrase", passphrase}};
        devices["r3"]["auth"] = {
            {"type", "ssh_key"}, {"private_key_path", key}, {"passphrase", wrong_passphrase}};
        devices["ghost"] = {{"ip", "127.0.0.1"},
                            {"port", 1},
                            {"username", "fanout"},
                            {"auth", {{"type", "password"}, {"password", ghost_password}}}};
        std::ofstream(routers.devices_json()) << devices.dump(2);
    }
};

// A SUB socket that keeps every frame it receives, raw.
struct raw_subscriber {
    zmq::context_t context;
    zmq::socket_t socket{context, zmq::socket_type::sub};
    std::vector<std::string> frames;

    explicit raw_subscriber(const std::string& endpoint) {
        socket.set(zmq::sockopt::linger, 0);
        socket.set(zmq::sockopt::rcvhwm, 0);
        socket.set(zmq::sockopt::subscribe, "");
        socket.connect(endpoint);
    }
    // Reads until a message on `topic` arrived; false when none came within `timeout`.
    bool read_until(const std::string& topic, std::chrono::milliseconds timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
        while (std::chrono::steady_clock::now() < deadline) {
            if (zmq::poll(&item, 1, std::chrono::milliseconds(100)) == 0) continue;
            std::vector<zmq::message_t> parts;
            (void)zmq::recv_multipart(socket, std::back_inserter(parts));
            for (const auto& p : parts) frames.push_back(p.to_string());
            if (!parts.empty() && parts[0].to_string() == topic) return true;
        }
        return false;
    }
    // Until a tiny job's aggregate arrives: from then on nothing published is missed.
    void join(client& jobs) {
        for (int i = 0; i < 100; ++i) {
            auto id = "join-" + std::to_string(i);
            jobs.request(submit_of(id, "show version", {"r1"}, true));
            if (read_until(fanout::protocol::job_result_topic(id), 500ms)) return;
        }
        throw std::runtime_error("the SUB socket never joined");
    }
};

std::string raw_reply(client& c, const fanout::protocol::request& r) {
    c.send_frames({fanout::protocol::encode_request(r)});
    auto body = c.receive(60s);
    if (!body) throw std::runtime_error("no reply");
    return *body;
}

}  // namespace

TEST(daemon_secrets, no_password_or_passphrase_leaves_the_daemon_at_trace_level) {
    secret_fleet f;
    ::chmod(f.routers.devices_json().c_str(), 0644);
    auto log = f.dir.file("fanoutd.log");
    fanoutd_process d(f.dir, f.routers.devices_json(), f.routers.known_hosts(),
                      {"--log-level", "trace", "--connect-timeout", "10"}, {{}, log});
    client jobs(d.jobs());
    raw_subscriber published(d.results());
    published.join(jobs);

    auto routers = raw_reply(jobs, fanout::protocol::routers_request{});
    expect_no_secret(routers, "the routers reply");
    EXPECT_NE(routers.find("ghost"), std::string::npos) << "the reply lists the inventory";

    auto all = std::vector<std::string>{"r1", "r2", "r3", "r4", "r5", "ghost"};
    auto body = raw_reply(jobs, submit_of("secrets", "show version", all, true));
    expect_no_secret(body, "the wait:true job_result reply");
    auto aggregate = expect_reply<job_result>(std::get<0>(fanout::protocol::decode_reply(body)));
    ASSERT_EQ(aggregate.results.size(), all.size());
    std::map<std::string, router_status> status;
    for (const auto& r : aggregate.results) status[r.router_name] = r.status;
    // The secrets were really used: the right ones worked, the wrong ones failed.
    EXPECT_EQ(status["r1"], router_status::success);
    EXPECT_EQ(status["r2"], router_status::success) << "the passphrase decrypted the key";
    EXPECT_EQ(status["r3"], router_status::failed);
    EXPECT_EQ(status["r4"], router_status::failed);
    EXPECT_EQ(status["r5"], router_status::success);
    EXPECT_EQ(status["ghost"], router_status::failed);

    ASSERT_TRUE(published.read_until(fanout::protocol::job_result_topic("secrets"), 60s));
    std::size_t secrets_messages = 0;
    for (const auto& frame : published.frames) {
        expect_no_secret(frame, "a published frame");
        secrets_messages += frame.rfind("result.secrets.", 0) == 0;
    }
    EXPECT_EQ(secrets_messages, all.size()) << "every router_result was checked";
    expect_no_secret(raw_reply(jobs, fanout::protocol::result_request{"secrets"}),
                     "the result reply");
    expect_no_secret(raw_reply(jobs, fanout::protocol::status_request{"secrets"}),
                     "the status reply");
    std::string ctl_out;
    auto ctl = [&](std::vector<std::string> tail) {
        std::vector<std::string> argv{FANOUTCTL_BIN, "--jobs", d.jobs(), "--results", d.results()};
        argv.insert(argv.end(), tail.begin(), tail.end());
        return run_quietly(argv, &ctl_out);
    };
    EXPECT_EQ(ctl({"routers"}), 0);
    EXPECT_EQ(ctl({"routers", "--json"}), 0);
    EXPECT_EQ(ctl({"result", "secrets"}), 1);  // some routers failed
    EXPECT_EQ(ctl({"result", "--json", "secrets"}), 1);
    EXPECT_NE(ctl_out.find("ghost"), std::string::npos) << ctl_out;
    expect_no_secret(ctl_out, "fanoutctl's output");

    EXPECT_EQ(d.process().stop(SIGTERM), 0);
    auto text = read_text(log);
    expect_no_secret(text, "fanoutd's trace log");
    // The log saw everything: the warning, the auth outcomes and per-router detail.
    EXPECT_NE(text.find("is world-readable; chmod 600 it"), std::string::npos) << text;
    EXPECT_NE(text.find(" debug "), std::string::npos) << "no detail logged: the check proves less";
    for (const auto& name : all)
        EXPECT_NE(text.find("job secrets router " + name), std::string::npos) << name << "\n"
                                                                              << text;
    EXPECT_NE(text.find("wrong passphrase"), std::string::npos) << "r3's failure is explained";
}

TEST(daemon_secrets, a_private_inventory_gets_no_world_readable_warning) {
    secret_fleet f;
    ::chmod(f.routers.devices_json().c_str(), 0600);
    auto log = f.dir.file("fanoutd.log");
    {
        fanoutd_process d(f.dir, f.routers.devices_json(), f.routers.known_hosts(), {}, {{}, log});
        EXPECT_EQ(d.process().stop(SIGTERM), 0);
    }
    auto text = read_text(log);
    EXPECT_NE(text.find("ready"), std::string::npos) << text;
    EXPECT_EQ(text.find("world-readable"), std::string::npos) << text;
}

TEST(daemon_secrets, a_world_readable_inventory_with_only_a_passphrase_is_warned_about) {
    temp_dir dir;
    fleet routers(dir, 1, {"--key-auth", "r1"});
    auto devices = nlohmann::json::parse(read_text(routers.devices_json()));
    devices["r1"]["auth"]["passphrase"] = passphrase;  // wrong for this key; never used here
    std::ofstream(routers.devices_json()) << devices.dump(2);
    ::chmod(routers.devices_json().c_str(), 0604);
    auto log = dir.file("fanoutd.log");
    {
        fanoutd_process d(dir, routers.devices_json(), routers.known_hosts(), {}, {{}, log});
        EXPECT_EQ(d.process().stop(SIGTERM), 0);
    }
    auto text = read_text(log);
    EXPECT_NE(text.find("passwords or key passphrases and is world-readable"), std::string::npos)
        << text;
    expect_no_secret(text, "fanoutd's log");
}

TEST(daemon_secrets, fanoutd_writes_no_core_file_and_warns_about_files_others_can_write) {
    secret_fleet f;
    ::chmod(f.routers.devices_json().c_str(), 0620);
    ::chmod(f.routers.known_hosts().c_str(), 0646);
    auto log = f.dir.file("fanoutd.log");
    {
        fanoutd_process d(f.dir, f.routers.devices_json(), f.routers.known_hosts(), {}, {{}, log});
        auto limits = read_text("/proc/" + std::to_string(d.process().pid()) + "/limits");
        EXPECT_NE(limits.find("Max core file size        0                    0"),
                  std::string::npos)
            << limits;
        EXPECT_EQ(d.process().stop(SIGTERM), 0);
    }
    auto text = read_text(log);
    EXPECT_NE(text.find(f.routers.devices_json() + " is writable by group"), std::string::npos)
        << text;
    EXPECT_NE(
        text.find(f.routers.known_hosts() + " is writable by others: they can add a host key"),
        std::string::npos)
        << text;
}

TEST(daemon_secrets, a_router_name_with_a_newline_cannot_forge_a_log_line) {
    temp_dir dir;
    fleet routers(dir, 1, {});
    auto devices = nlohmann::json::parse(read_text(routers.devices_json()));
    devices["r1\n2026-01-01T00:00:00.000 info forged"] = devices["r1"];
    std::ofstream(routers.devices_json()) << devices.dump(2);
    child_process d({FANOUTD_BIN, "--inventory", routers.devices_json(), "--known-hosts",
                     routers.known_hosts(), "--jobs", "ipc://" + dir.file("jobs.sock"), "--results",
                     "ipc://" + dir.file("results.sock")},
                    child_process::capture::stderr_stream);
    d.drain();
    EXPECT_EQ(d.wait(10s), 2) << "an inventory with such a name is refused";
    std::string text;
    for (const auto& line : d.lines()) text += line + "\n";
    EXPECT_NE(text.find("r1\\x0a2026-01-01T00:00:00.000 info forged"), std::string::npos) << text;
    for (const auto& line : d.lines()) EXPECT_NE(line.rfind("2026-01-01", 0), 0u) << line;
}
