// The audit trail end to end (issue 14): fanoutd with --audit-log, without and with CURVE.
// Each submit, refusal, cancel and job end is exactly one JSON line in a 0600 file that a
// restart appends to; the job's status and aggregate carry submitted_by ("local", or the
// client's *.pub file name under CURVE) and requested_by (also from fanoutctl --requested-by
// and FANOUT_REQUESTED_BY); the info log names who ran which command; and the passwords the
// secrets tests use appear in no record, no log line and no reply. A group-readable audit file
// stops fanoutd at start.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/audit_records.hpp"
#include "tests/support/fanout_harness.hpp"
#include "tests/support/pool_harness.hpp"

using namespace fanout::testing;
namespace curve = fanout::curve;
namespace p = fanout::protocol;
using nlohmann::json;

namespace {

const std::string password = "Pw-4c1d-fleet-secret";
const std::string ghost_password = "Pw-ghost-3b8e-secret";

void expect_no_secret(const std::string& bytes, const std::string& what) {
    for (const auto& s : {password, ghost_password})
        EXPECT_EQ(bytes.find(s), std::string::npos) << what << " holds a secret:\n" << bytes;
}

// The first record of `event` for `job_id` (a short job's job_end may be written before its
// submit record: docs/audit.md, "Order"); an empty object when there is none.
json record_of(const std::vector<json>& records, const std::string& event,
               const std::string& job_id) {
    for (const auto& r : records)
        if (r.at("event") == event && r.value("job_id", std::string()) == job_id) return r;
    ADD_FAILURE() << "no " << event << " record for " << job_id;
    return json::object({{"event", event}});
}

// How many records of `event` name `job_id`.
std::size_t count(const std::vector<json>& records, const std::string& event,
                  const std::string& job_id) {
    std::size_t n = 0;
    for (const auto& r : records)
        n += r.at("event") == event && r.value("job_id", std::string()) == job_id;
    return n;
}

int run_quietly(std::vector<std::string> argv, std::string* output = nullptr) {
    child_process p(std::move(argv), child_process::capture::stdout_stream);
    p.drain(60s);
    auto code = p.wait(30s);
    if (output)
        for (const auto& line : p.lines()) *output += line + "\n";
    return code ? *code : -1;
}

// The job's aggregate once it has ended (`result` answers status while it runs).
p::job_result ended(client& jobs, const std::string& id) {
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
        auto reply = jobs.request(p::result_request{id});
        if (auto* job = std::get_if<p::job_result>(&reply)) return *job;
        std::this_thread::sleep_for(50ms);  // polling the job's state, not a synchronisation
    }
    throw std::runtime_error("job " + id + " did not end");
}

// r1, r2 log in with a password, r3 hangs in authentication (a job to cancel), ghost (a
// password, nothing listening) fails.
struct audit_fleet {
    temp_dir dir;
    fleet routers{dir, 3, {"--password", password, "--fault", "r3=hang_auth"}};
    std::string audit = dir.file("audit.jsonl");
    std::string log = dir.file("fanoutd.log");

    audit_fleet() {
        auto devices = json::parse(read_text(routers.devices_json()));
        devices["ghost"] = {{"ip", "127.0.0.1"},
                            {"port", 1},
                            {"username", "fanout"},
                            {"auth", {{"type", "password"}, {"password", ghost_password}}}};
        std::ofstream(routers.devices_json()) << devices.dump(2);
        ::chmod(routers.devices_json().c_str(), 0600);
    }
};

// The error a reply is (expect_reply throws on errors); a default one when it is not an error.
p::error_reply error_of(const p::reply& r) {
    EXPECT_TRUE(std::holds_alternative<p::error_reply>(r)) << "not an error reply";
    return std::holds_alternative<p::error_reply>(r) ? std::get<p::error_reply>(r)
                                                     : p::error_reply{};
}

p::submit_request submit(std::string id, std::string command, std::vector<std::string> routers,
                         bool wait, std::optional<std::string> requested_by = std::nullopt) {
    auto s = submit_of(std::move(id), std::move(command), std::move(routers), wait);
    s.requested_by = std::move(requested_by);
    return s;
}

}  // namespace

TEST(daemon_audit, without_curve_every_event_is_one_record_of_local_and_nothing_leaks) {
    audit_fleet f;
    std::string replies;
    {
        fanoutd_process d(
            f.dir, f.routers.devices_json(), f.routers.known_hosts(),
            {"--audit-log", f.audit, "--log-level", "trace", "--connect-timeout", "5"},
            {{}, f.log});
        client jobs(d.jobs());
        auto raw = [&](const p::request& r) {
            jobs.send_frames({p::encode_request(r)});
            auto body = jobs.receive(60s);
            if (!body) throw std::runtime_error("no reply");
            replies += *body;
            return std::get<p::reply>(p::decode_reply(*body));
        };
        // A job that runs (and fails on ghost), with requested_by.
        auto done = expect_reply<p::job_result>(
            raw(submit("a1", "show version", {"r1", "r2", "ghost"}, true, "CHG-100")));
        EXPECT_EQ(done.submitted_by, "local");
        EXPECT_EQ(done.requested_by, "CHG-100");
        // A refused one.
        auto refused = error_of(raw(submit("b1", "request system reboot", {"r1"}, false)));
        EXPECT_EQ(refused.code, p::error_code::forbidden_command);
        // A held job, cancelled.
        expect_reply<p::accepted_reply>(raw(submit("c1", "show version", {"r3"}, false, "CHG-3")));
        auto cancelled = expect_reply<p::status_reply>(raw(p::cancel_request{"c1"}));
        EXPECT_EQ(cancelled.submitted_by, "local");
        EXPECT_EQ(cancelled.requested_by, "CHG-3");
        auto c1 = ended(jobs, "c1");
        EXPECT_EQ(c1.state, p::job_state::cancelled);
        EXPECT_EQ(c1.requested_by, "CHG-3");
        replies += p::encode_job_result(c1);
        // fanoutctl: --requested-by, else FANOUT_REQUESTED_BY; status shows both fields.
        std::string ctl_out;
        auto ctl = [&](std::vector<std::string> env, std::vector<std::string> tail) {
            std::vector<std::string> argv{"/usr/bin/env"};
            argv.insert(argv.end(), env.begin(), env.end());
            argv.insert(argv.end(), {FANOUTCTL_BIN, "--jobs", d.jobs(), "--results", d.results()});
            argv.insert(argv.end(), tail.begin(), tail.end());
            return run_quietly(argv, &ctl_out);
        };
        EXPECT_EQ(ctl({}, {"run", "--no-progress", "--job-id", "ctl1", "--requested-by", "CHG-flag",
                           "-r", "r1", "show version"}),
                  0);
        EXPECT_EQ(ctl({"FANOUT_REQUESTED_BY=CHG-env"},
                      {"run", "--no-progress", "--job-id", "ctl2", "-r", "r2", "show version"}),
                  0);
        EXPECT_EQ(ctl({}, {"status", "--json", "ctl1"}), 0);
        EXPECT_EQ(ctl({}, {"status", "ctl2"}), 0);
        EXPECT_NE(ctl_out.find("\"submitted_by\":\"local\""), std::string::npos) << ctl_out;
        EXPECT_NE(ctl_out.find("\"requested_by\":\"CHG-flag\""), std::string::npos) << ctl_out;
        EXPECT_NE(ctl_out.find("CHG-env"), std::string::npos) << ctl_out;
        expect_no_secret(ctl_out, "fanoutctl's output");
        EXPECT_EQ(d.process().stop(SIGTERM), 0);
    }
    expect_no_secret(replies, "the replies");

    struct stat st {};
    ASSERT_EQ(::stat(f.audit.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    const auto text = read_text(f.audit);
    expect_no_secret(text, "the audit file");
    auto records = records_of(f.audit);
    // Exactly one record per event: 4 submits, 1 refusal, 1 cancel, 4 job ends.
    ASSERT_EQ(records.size(), 10u) << text;
    for (const auto& id : {"a1", "c1", "ctl1", "ctl2"}) {
        EXPECT_EQ(count(records, "submit", id), 1u) << id << "\n" << text;
        EXPECT_EQ(count(records, "job_end", id), 1u) << id << "\n" << text;
    }
    EXPECT_EQ(count(records, "refusal", "b1"), 1u);
    EXPECT_EQ(count(records, "cancel", "c1"), 1u);
    for (const auto& r : records) {
        if (r.at("event") == "submit") {
            EXPECT_EQ(r.at("by"), "local");
            if (r.at("job_id") == "a1") {
                EXPECT_EQ(r.at("requested_by"), "CHG-100");
                EXPECT_EQ(r.at("routers"), 3);
                EXPECT_EQ(r.at("commands"), json({"show version"}));
            }
            if (r.at("job_id") == "ctl1") {
                EXPECT_EQ(r.at("requested_by"), "CHG-flag");
            }
            if (r.at("job_id") == "ctl2") {
                EXPECT_EQ(r.at("requested_by"), "CHG-env");
            }
        }
        if (r.at("event") == "refusal") {
            EXPECT_EQ(r.at("code"), "forbidden_command");
        }
        if (r.at("event") == "job_end" && r.at("job_id") == "a1") {
            EXPECT_EQ(r.at("state"), "done");
            EXPECT_EQ(r.at("failed"), 1);
            EXPECT_EQ(r.at("submitted_by"), "local");
        }
        if (r.at("event") == "job_end" && r.at("job_id") == "c1") {
            EXPECT_EQ(r.at("state"), "cancelled");
        }
    }
    const auto log = read_text(f.log);
    expect_no_secret(log, "fanoutd's trace log");
    EXPECT_NE(log.find("audit: job a1 accepted by local (requested_by \"CHG-100\"): 3 routers, "
                       "commands [\"show version\"]"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("audit: refused a submit from local: forbidden_command"), std::string::npos);

    // A restart appends to the same file.
    {
        fanoutd_process d(f.dir, f.routers.devices_json(), f.routers.known_hosts(),
                          {"--audit-log", f.audit});
        client jobs(d.jobs());
        expect_reply<p::job_result>(jobs.request(submit("d1", "show version", {"r1"}, true)));
        EXPECT_EQ(d.process().stop(SIGTERM), 0);
    }
    auto after = read_text(f.audit);
    EXPECT_EQ(after.rfind(text, 0), 0u) << "the restart did not append";
    EXPECT_EQ(records_of(f.audit).size(), 12u);
}

TEST(daemon_audit, an_audit_file_open_to_others_stops_fanoutd_at_start) {
    audit_fleet f;
    std::ofstream(f.audit) << "";
    ::chmod(f.audit.c_str(), 0640);
    child_process p({FANOUTD_BIN, "--inventory", f.routers.devices_json(), "--known-hosts",
                     f.routers.known_hosts(), "--jobs", "ipc://" + f.dir.file("j"), "--results",
                     "ipc://" + f.dir.file("r"), "--audit-log", f.audit},
                    child_process::capture::stderr_stream);
    p.drain(30s);
    EXPECT_EQ(p.wait(30s), 2);
    std::string output;
    for (const auto& line : p.lines()) output += line + "\n";
    EXPECT_NE(output.find("chmod 600"), std::string::npos) << output;
}

TEST(daemon_audit, with_curve_the_client_is_named_by_its_key_file) {
    audit_fleet f;
    auto server = curve::generate_key_pair(), ops = curve::generate_key_pair();
    curve::write_key_pair(f.dir.file("server.key"), server);
    std::filesystem::create_directory(f.dir.file("clients"));
    std::ofstream(f.dir.file("clients/ops.pub")) << ops.public_key << "\n";
    curve::client_credentials keys{ops, server.public_key};
    {
        fanoutd_process d(f.dir, f.routers.devices_json(), f.routers.known_hosts(),
                          {"--audit-log", f.audit, "--curve-secret-key", f.dir.file("server.key"),
                           "--curve-clients", f.dir.file("clients")},
                          {keys, f.log});
        client jobs(d.jobs(), zmq::socket_type::dealer, keys);
        auto job = expect_reply<p::job_result>(
            jobs.request(submit("k1", "show version", {"r1"}, true, "CHG-k")));
        EXPECT_EQ(job.submitted_by, "ops.pub");
        EXPECT_EQ(job.requested_by, "CHG-k");
        auto status = expect_reply<p::status_reply>(jobs.request(p::status_request{"k1"}));
        EXPECT_EQ(status.submitted_by, "ops.pub");
        error_of(jobs.request(submit("k2", "show version", {"nowhere"}, false)));
        EXPECT_EQ(d.process().stop(SIGTERM), 0);
    }
    auto records = records_of(f.audit);
    ASSERT_EQ(records.size(), 3u) << read_text(f.audit);  // submit, job end, refusal
    const auto k1 = record_of(records, "submit", "k1");
    EXPECT_EQ(k1.value("by", ""), "ops.pub");
    EXPECT_EQ(k1.value("requested_by", ""), "CHG-k");
    EXPECT_EQ(count(records, "job_end", "k1"), 1u);
    EXPECT_EQ(count(records, "refusal", "k2"), 1u);
    for (const auto& r : records)
        if (r.at("event") != "job_end") {
            EXPECT_EQ(r.at("by"), "ops.pub");
        }
    const auto log = read_text(f.log);
    EXPECT_NE(log.find("audit: job k1 accepted by ops.pub"), std::string::npos) << log;
    EXPECT_NE(log.find("audit: refused a submit from ops.pub: unknown_routers"), std::string::npos);
    for (const auto& secret : {server.secret_key, ops.secret_key}) {
        EXPECT_EQ(log.find(secret), std::string::npos);
        EXPECT_EQ(read_text(f.audit).find(secret), std::string::npos);
    }
    expect_no_secret(log + read_text(f.audit), "the CURVE run's log and audit file");
}

TEST(daemon_audit, curve_encryption_only_names_the_client_by_its_key) {
    audit_fleet f;
    auto server = curve::generate_key_pair(), anyone = curve::generate_key_pair();
    curve::write_key_pair(f.dir.file("server.key"), server);
    curve::client_credentials keys{anyone, server.public_key};
    fanoutd_process d(f.dir, f.routers.devices_json(), f.routers.known_hosts(),
                      {"--audit-log", f.audit, "--curve-secret-key", f.dir.file("server.key"),
                       "--curve-allow-any-client"},
                      {keys, ""});
    client jobs(d.jobs(), zmq::socket_type::dealer, keys);
    auto job =
        expect_reply<p::job_result>(jobs.request(submit("z1", "show version", {"r1"}, true)));
    EXPECT_EQ(job.submitted_by, anyone.public_key);
    EXPECT_EQ(record_of(records_of(f.audit), "submit", "z1").value("by", ""), anyone.public_key);
}

// submitted_by and requested_by are journaled with the job: after kill -9, read back record by
// record and then from the compacted snapshot, an ended job and a resumed one still carry them.
TEST(daemon_audit, who_survives_kill_9_with_a_state_dir) {
    audit_fleet f;
    auto start = [&] {
        return std::make_unique<fanoutd_process>(
            f.dir, f.routers.devices_json(), f.routers.known_hosts(),
            args{"--state-dir", f.dir.file("state"), "--audit-log", f.audit, "--shutdown-grace",
                 "0"});
    };
    auto daemon = start();
    {
        client jobs(daemon->jobs());
        expect_reply<p::job_result>(
            jobs.request(submit("ended", "show version", {"r1"}, true, "CHG-ended")));
        expect_reply<p::accepted_reply>(
            jobs.request(submit("held", "show version", {"r3"}, false, "CHG-held")));
    }
    for (int restart = 1; restart <= 2; ++restart) {
        SCOPED_TRACE("restart " + std::to_string(restart));
        EXPECT_EQ(daemon->process().stop(SIGKILL), 128 + SIGKILL);
        daemon.reset();
        daemon = start();
        client jobs(daemon->jobs());
        for (const auto& [id, why] : {std::pair{"ended", "CHG-ended"}, {"held", "CHG-held"}}) {
            auto status = expect_reply<p::status_reply>(jobs.request(p::status_request{id}));
            EXPECT_EQ(status.submitted_by, "local") << id;
            EXPECT_EQ(status.requested_by, why) << id;
        }
        auto ended_job = expect_reply<p::job_result>(jobs.request(p::result_request{"ended"}));
        EXPECT_EQ(ended_job.requested_by, "CHG-ended");
    }
    EXPECT_EQ(daemon->process().stop(SIGKILL), 128 + SIGKILL);
    // The audit file saw each submit once; kill -9 loses no written record.
    auto records = records_of(f.audit);
    EXPECT_EQ(count(records, "submit", "ended"), 1u);
    EXPECT_EQ(count(records, "submit", "held"), 1u);
    EXPECT_EQ(count(records, "job_end", "ended"), 1u);
}

// Through fanout-proxy, fanoutd sees the proxy's connection, not the client's: every request from
// its pool socket is "fanout-proxy" (docs/audit.md); requested_by still comes through.
TEST(daemon_audit, through_fanout_proxy_the_principal_is_the_proxy) {
    temp_dir dir;
    fleet routers(dir, 1);
    proxy_process proxy(dir);
    const auto audit = dir.file("audit.jsonl");
    pool_member member(proxy, routers, {"--audit-log", audit});
    client via_proxy(proxy.jobs());
    auto job = expect_reply<p::job_result>(
        via_proxy.request(submit("px1", "show version", {"r1"}, true, "CHG-proxy"), 60s));
    EXPECT_EQ(job.submitted_by, "fanout-proxy");
    EXPECT_EQ(job.requested_by, "CHG-proxy");
    auto records = records_of(audit);
    const auto px1 = record_of(records, "submit", "px1");
    EXPECT_EQ(px1.value("by", ""), "fanout-proxy");
    EXPECT_EQ(px1.value("requested_by", ""), "CHG-proxy");
}
