#include "tools/fanoutctl/cli.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "tools/fanoutctl/command_support.hpp"
#include "tools/fanoutctl/commands.hpp"
#include "tools/fanoutctl/exit_codes.hpp"
#include "tools/fanoutctl/jobs_commands.hpp"
#include "tools/fanoutctl/options.hpp"
#include "tools/fanoutctl/suggest.hpp"

namespace fanout::ctl {
namespace {

const char* const exit_codes_help =
    "\nExit codes: 0 all routers succeeded, 1 a router failed or was cancelled (or the job has\n"
    "not ended), 2 usage or request error (fanoutd's error reply is printed), 3 no reply or\n"
    "connection trouble (after --retries resends on fresh connections).\n";

const char* const global_note =
    "\nGlobal options (--jobs, --results, --request-timeout, --retries, --curve-*) may come\n"
    "before or after the subcommand; see `fanoutctl --help`.\n";

const char* const main_footer =
    "\nWaiting: read-only requests (ping, status, result, routers, replay) wait 2 s once, so\n"
    "a missing fanoutd shows in seconds; run and cancel wait 10 s per attempt and retry 3\n"
    "times on fresh connections. --request-timeout and --retries set both.\n"
    "\nEnvironment: FANOUT_JOBS, FANOUT_RESULTS, FANOUT_REQUEST_TIMEOUT, FANOUT_RETRIES,\n"
    "FANOUT_CURVE_SERVER_KEY and FANOUT_CURVE_CLIENT_KEY stand for the global options.\n"
    "\nConfig file: ~/.config/fanout/fanoutctl.conf ($XDG_CONFIG_HOME/fanout/... when set), or\n"
    "--config FILE: `name = value` lines with the global options' long names, e.g.\n"
    "  jobs = \"tcp://10.0.0.5:5555\"\n  request-timeout = 5\n"
    "A flag beats the environment, which beats the config file.\n"
    "\nCURVE: when fanoutd runs with --curve-secret-key, give both --curve-server-key\n"
    "(fanoutd's public key, or its .pub file) and --curve-client-key (this client's key pair\n"
    "file, made by `fanoutctl keygen`, whose .pub file is in fanoutd's --curve-clients dir).\n"
    "\nExamples:\n"
    "  fanoutctl ping\n"
    "  fanoutctl routers\n"
    "  fanoutctl run -r r1,r2 'show version'\n"
    "  fanoutctl run -r all --brief 'show system uptime'\n"
    "  fanoutctl --jobs tcp://10.0.0.5:5555 --results tcp://10.0.0.5:5556 status JOB_ID\n"
    "  fanoutctl keygen --out ~/.config/fanout/client.key\n"
    "  fanoutctl --curve-server-key server.key.pub --curve-client-key client.key ping\n"
    "\nRun `fanoutctl SUBCOMMAND --help` for details.\n";

const char* const run_footer =
    "\nThe words after the options form one command, as with pdsh and clush (quote it when it\n"
    "holds shell characters such as |); give several commands with -c each, run in order.\n"
    "-r and -x take names, clush node sets (r[1-50], mx[01-12].lab, r[1-5,9]), globs matched\n"
    "against fanoutd's inventory ('edge-*'), inventory groups (@core) and `all`, comma-separated.\n"
    "Results are printed as they arrive; a summary table follows. On a terminal a live\n"
    "progress line is drawn on stderr, naming the last 20 routers pending. Ctrl-C prints the\n"
    "routers still pending and cancels the job (a second Ctrl-C quits).\n"
    "With --json, stdout holds one JSON object per router result, then the job_result.\n"
    "\nExamples:\n"
    "  fanoutctl run -r 'r[1-50]' show version\n"
    "  fanoutctl run -r @core -x r21 --collapse show system uptime\n"
    "  fanoutctl run -r 'edge-*' --prefix show chassis alarms | grep -i major\n"
    "  fanoutctl run -r all --brief --out-dir /tmp/ver show version\n"
    "  fanoutctl run --failed-from nightly-42 -x r21      # again where nightly-42 failed\n"
    "  fanoutctl run -r r1 -r r2 -c 'show version' -c 'show interfaces terse'\n"
    "  grep -v spare core.txt | fanoutctl run --routers-file - --timeout 30 show chassis alarms\n"
    "  fanoutctl run -r all --canary 2 --max-parallel 10 --stop-after-failures 3 show version\n"
    "  fanoutctl run -r all --json show version | jq -r 'select(.type==\"router_result\")"
    " | .router_name + \" \" + .status'\n";

// CLI::PositiveNumber's message prints DBL_MAX in full; this one reads well.
const CLI::Validator positive_seconds(
    [](std::string& value) -> std::string {
        try {
            std::size_t used = 0;
            const double seconds = std::stod(value, &used);
            if (used == value.size() && seconds > 0) return {};
        } catch (const std::exception&) {
        }
        return "must be a positive number of seconds, got '" + value + "'";
    },
    "SECONDS");

void add_output_options(CLI::App& cmd, output_options& output) {
    cmd.add_flag("--brief", output.brief,
                 "one line per router result (a failure shows the router's own error text)");
    cmd.add_flag("--collapse", output.collapse,
                 "group routers with identical output under one node set, as dshbak -c");
    cmd.add_flag("--prefix", output.prefix, "`router: ` before every output line, as pdsh");
    cmd.add_option("--out-dir", output.out_dir,
                   "also write DIR/<router>, DIR/<router>.err and DIR/job.json");
    cmd.add_option("--select", output.select,
                   "with format json: print each router's value at PATH (dot-separated keys, "
                   "digits index arrays), e.g. software-information.0.junos-version.0.data");
}

std::string query_footer(const std::string& name, const std::string& what) {
    return "\n" + what + "\n\nExamples:\n  fanoutctl " + name + " ctl-host-4242-1700000000000\n" +
           "  fanoutctl " + name + " --json ctl-host-4242-1700000000000\n";
}

// Fills global.curve from the two key options; an exit code when they are unusable.
std::optional<int> resolve_curve(global_options& global) {
    if (global.curve_server_key.empty() && global.curve_client_key_file.empty())
        return std::nullopt;
    if (global.curve_server_key.empty() || global.curve_client_key_file.empty())
        return report_usage_error(
            "CURVE needs both --curve-server-key and --curve-client-key (or "
            "FANOUT_CURVE_SERVER_KEY and FANOUT_CURVE_CLIENT_KEY)");
    try {
        global.curve =
            curve::client_credentials{curve::load_key_pair(global.curve_client_key_file),
                                      curve::public_key_from_argument(global.curve_server_key)};
    } catch (const curve::key_file_error& e) {
        return report_usage_error(e.what());
    }
    return std::nullopt;
}

// The global options an environment variable stands for.
struct env_option {
    const char* variable;
    const char* flag;
};
constexpr env_option env_options[] = {
    {"FANOUT_JOBS", "--jobs"},
    {"FANOUT_RESULTS", "--results"},
    {"FANOUT_REQUEST_TIMEOUT", "--request-timeout"},
    {"FANOUT_RETRIES", "--retries"},
    {"FANOUT_CURVE_SERVER_KEY", "--curve-server-key"},
    {"FANOUT_CURVE_CLIENT_KEY", "--curve-client-key"},
};

// Why a variable's value is unusable, naming the variable; empty when it is fine. (CLI11
// checks every value given, not only the last, so a bad variable must be caught here, where
// the message can name it rather than the flag it stands for.)
std::string check_environment_value(const env_option& option, const std::string& value) {
    const std::string name = option.variable;
    if (name == "FANOUT_REQUEST_TIMEOUT") {
        std::string copy = value;
        auto why = positive_seconds(copy);
        return why.empty() ? "" : name + " " + why;
    }
    if (name == "FANOUT_RETRIES") {
        const bool digits =
            value.size() <= 3 && value.find_first_not_of("0123456789") == value.npos;
        return digits && std::stoul(value) <= 100 ? ""
                                                  : name + " must be 0-100, got '" + value + "'";
    }
    return "";
}

// argv with `--flag=value` for each set variable placed before the user's own words: those
// options take the last value given, so a flag beats its variable, and either beats the
// config file (CLI11 reads it only for options the command line left unset). `problem` is set
// when a variable's value is unusable.
std::vector<std::string> with_environment(int argc, char** argv, std::string& problem) {
    std::vector<std::string> words{argv[0]};
    for (const auto& option : env_options) {
        const char* value = std::getenv(option.variable);
        if (!value || !*value) continue;
        if (auto why = check_environment_value(option, value); !why.empty() && problem.empty())
            problem = why;
        words.push_back(std::string(option.flag) + "=" + value);
    }
    for (int i = 1; i < argc; ++i) words.emplace_back(argv[i]);
    return words;
}

// $XDG_CONFIG_HOME/fanout/fanoutctl.conf, else ~/.config/fanout/fanoutctl.conf.
std::string default_config_path() {
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg)
        return std::string(xdg) + "/fanout/fanoutctl.conf";
    if (const char* home = std::getenv("HOME"); home && *home)
        return std::string(home) + "/.config/fanout/fanoutctl.conf";
    return {};
}

// "unknown subcommand 'stauts' (did you mean status?); subcommands: run, status, ...", or "no
// subcommand given; ..."; nothing when the parse error was not about the subcommand.
std::optional<int> report_unknown_subcommand(const CLI::App& app,
                                             const std::vector<std::string>& extras) {
    if (!app.get_subcommands().empty()) return std::nullopt;
    std::vector<std::string> names;
    for (const auto* sub : app.get_subcommands({})) names.push_back(sub->get_name());
    auto word = std::find_if(extras.begin(), extras.end(),
                             [](const std::string& w) { return !w.empty() && w[0] != '-'; });
    std::string message = "no subcommand given";
    if (word != extras.end()) {
        message = "unknown subcommand '" + *word + "'";
        auto close = suggest_names(*word, names, 2);
        for (std::size_t i = 0; i < close.size(); ++i)
            message += (i ? " or " : " (did you mean ") + close[i];
        if (!close.empty()) message += "?)";
    }
    message += "; subcommands:";
    for (std::size_t i = 0; i < names.size(); ++i) message += (i ? ", " : " ") + names[i];
    return report_usage_error(message + " (see fanoutctl --help)");
}

}  // namespace

int run_cli(int argc, char** argv) {
    CLI::App app{"fanoutctl: run CLI commands on many routers through fanoutd, and query its jobs.",
                 "fanoutctl"};
    app.set_version_flag("--version", "fanoutctl 1.0.0 (protocol v1)");
    app.require_subcommand(1);
    app.fallthrough();

    global_options global;
    const auto last_wins = CLI::MultiOptionPolicy::TakeLast;  // see with_environment()
    app.add_option("--jobs", global.jobs_endpoint,
                   "fanoutd job socket (ROUTER) endpoint [env FANOUT_JOBS]")
        ->multi_option_policy(last_wins)
        ->capture_default_str();
    app.add_option("--results", global.results_endpoint,
                   "fanoutd result socket (PUB) endpoint [env FANOUT_RESULTS]")
        ->multi_option_policy(last_wins)
        ->capture_default_str();
    app.add_option("--request-timeout,--timeout-reply", global.reply_timeout_seconds,
                   "seconds to wait for a reply to one attempt of a request (default: 2 for "
                   "read-only requests, 10 for run and cancel) [env FANOUT_REQUEST_TIMEOUT]")
        ->multi_option_policy(last_wins)
        ->check(positive_seconds);
    app.add_option(
           "--retries", global.retries,
           "after no reply in time, send the same request again on a fresh connection this "
           "many times (default: 0 for read-only requests, 3 for run and cancel; a submit keeps "
           "its job_id, so fanoutd answers a resend as the first; see docs/pool.md, \"Retries "
           "and at-least-once\") [env FANOUT_RETRIES]")
        ->multi_option_policy(last_wins)
        ->check(CLI::Range(0u, 100u));
    app.add_option("--curve-server-key", global.curve_server_key,
                   "fanoutd's CURVE public key: 40 Z85 characters, or its .pub file "
                   "[env FANOUT_CURVE_SERVER_KEY]")
        ->multi_option_policy(last_wins);
    app.add_option("--curve-client-key", global.curve_client_key_file,
                   "this client's CURVE key pair file (mode 0600, from `fanoutctl keygen`) "
                   "[env FANOUT_CURVE_CLIENT_KEY]")
        ->multi_option_policy(last_wins);
    app.allow_config_extras(CLI::config_extras_mode::error);  // a misspelt key is an error
    app.set_config("--config", default_config_path(),
                   "read global options from this file (`name = value` lines; default "
                   "~/.config/fanout/fanoutctl.conf, used when it exists)");

    run_options run;
    auto* run_cmd = app.add_subcommand("run", "submit a job and stream its results");
    run_cmd
        ->add_option("-r,--routers", run.router_arguments,
                     "routers, comma-separated; repeatable: names, node sets r[1-5,9], globs "
                     "'edge-*', groups @core, or `all` for the whole inventory")
        ->allow_extra_args(false);
    run_cmd
        ->add_option("-x,--exclude", run.exclude_arguments,
                     "routers to leave out, in the same syntax as -r; repeatable")
        ->allow_extra_args(false);
    run_cmd->add_option("--routers-file", run.routers_file,
                        "file with one router name per line, `-` for stdin (# comments allowed)");
    run_cmd
        ->add_option("-c,--command", run.commands,
                     "a command to run; repeat for several, run in order on each router")
        ->allow_extra_args(false);
    run_cmd->add_option("words", run.words, "the command to run (its words, joined by spaces)");
    run_cmd
        ->add_option("--timeout", run.timeout, "seconds per router per command (fanoutd default)")
        ->check(positive_seconds);
    // Issue 13: the whole attempt of each router, connect and retries included.
    run_cmd
        ->add_option("--deadline", run.deadline,
                     "seconds for each router's whole attempt, from its start to its result: "
                     "connect, retries, bastions and every command (0 < s <= 86400; default: "
                     "none, the connect phase then gets max(5, min(--timeout, connect timeout + "
                     "5)) s)")
        ->check(CLI::Range(0.001, 86400.0));
    run_cmd->add_option(
        "--job-id", run.job_id,
        "job id, 1-64 chars of [A-Za-z0-9_:-], no dot (default: ctl-<host>-<pid>-<ms>)");
    // issue 13: re-run what failed
    run_cmd->add_option("--failed-from", run.failed_from,
                        "run on the routers that failed or were cancelled in this ended job, "
                        "with its commands unless others are given (not with -r; -x applies; "
                        "none failed: exit 0, nothing run)");
    run_cmd
        ->add_option("--format", run.format,
                     "what each router returns: text, or Junos's json (parsed into `data`) or "
                     "xml (checked)")
        ->check(CLI::IsMember({"text", "json", "xml"}))
        ->capture_default_str();
    // Audit (issue 14): recorded beside the authenticated submitter, never instead of it.
    run_cmd
        ->add_option("--requested-by", run.requested_by,
                     "who or what asked for this job, e.g. a change ticket (at most 256 bytes of "
                     "UTF-8); fanoutd records it in its audit trail beside the authenticated "
                     "submitter [env FANOUT_REQUESTED_BY]")
        ->envname("FANOUT_REQUESTED_BY");
    run_cmd->add_flag("--json", global.json, "JSON lines on stdout instead of text");
    add_output_options(*run_cmd, run.output);
    run_cmd->add_flag("--no-progress", run.no_progress, "no live progress line on stderr");
    // Execution controls (docs/execution-controls.md): fanoutd checks the upper bounds too.
    run_cmd
        ->add_option("--max-parallel", run.controls.max_parallel,
                     "at most N of this job's routers at once (a batch size), whatever the "
                     "number of workers; other jobs keep their share")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000}));
    run_cmd
        ->add_option("--stop-after-failures", run.controls.stop_after_failures,
                     "stop the job once N routers failed: routers not started end cancelled "
                     "(kind stopped), routers running finish")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000}));
    run_cmd
        ->add_option("--max-fail-percent", run.controls.max_fail_percent,
                     "stop the job once PCT percent (1-100) of its routers failed, as "
                     "--stop-after-failures does")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100}));
    run_cmd
        ->add_option("--canary", run.controls.canary,
                     "run the first K routers (in -r order) alone first; the rest start only if "
                     "all K succeed, else they end cancelled")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000}));
    run_cmd->footer(std::string(run_footer) + exit_codes_help + global_note);

    job_query_options query;
    auto add_query = [&](const std::string& name, const std::string& description,
                         const std::string& what) {
        auto* cmd = app.add_subcommand(name, description);
        cmd->add_option("job_id", query.job_id, "the job id")->required();
        cmd->add_flag("--json", global.json, "print the reply as one JSON object");
        cmd->footer(query_footer(name, what) + exit_codes_help + global_note);
        return cmd;
    };
    auto* status_cmd = add_query("status", "show a job's state and counts",
                                 "Prints the job's state (queued, running, done, cancelled) and "
                                 "counts.");
    auto* result_cmd = add_query(
        "result", "show a finished job's results and summary",
        "Prints every router result and the summary table of an ended job; for a job still\n"
        "running, prints its status and exits 1.");
    add_output_options(*result_cmd, query.output);
    auto* cancel_cmd = add_query("cancel", "cancel a job",
                                 "Routers not started yet are cancelled; routers in flight are "
                                 "aborted.\nPrints the job's status after the cancel.");

    auto* routers_cmd = app.add_subcommand("routers", "list fanoutd's inventory (no secrets)");
    routers_cmd->add_flag("--json", global.json, "print the reply as one JSON object");
    routers_cmd->footer(
        std::string("\nPrints name, ip, port and username of each router fanoutd knows.\n"
                    "\nExamples:\n  fanoutctl routers\n  fanoutctl routers --json | jq -r "
                    "'.routers[].name'\n") +
        exit_codes_help + global_note);

    auto* ping_cmd = app.add_subcommand(
        "ping", "check that fanoutd answers; show its load and SSH session pool");
    ping_cmd->add_flag("--json", global.json, "print the reply as one JSON object");
    ping_cmd->footer(
        std::string("\nPrints fanoutd's version, worker counts, queued and running jobs, uptime.\n"
                    "\nExamples:\n  fanoutctl ping\n  fanoutctl --timeout-reply 2 ping\n") +
        exit_codes_help + global_note);

    keygen_options keygen;
    auto* keygen_cmd = app.add_subcommand("keygen", "create a CURVE key pair (fanoutd or client)");
    keygen_cmd->add_option("--out", keygen.out_file, "key pair file to create (mode 0600)")
        ->required();
    keygen_cmd->footer(
        "\nWrites FILE (public-key and secret-key lines, mode 0600) and FILE.pub (the public\n"
        "key, to share); never overwrites. Prints the public key.\n"
        "\nExamples:\n  fanoutctl keygen --out /etc/fanout/server.key     # for fanoutd\n"
        "  fanoutctl keygen --out ~/.config/fanout/client.key # then copy client.key.pub\n"
        "                                                     # into fanoutd's --curve-clients\n");
    // issue 13: compare two jobs
    diff_options diff;
    auto* diff_cmd = app.add_subcommand("diff", "show what changed per router between two jobs");
    diff_cmd->add_option("job_a", diff.job_a, "the earlier job id")->required();
    diff_cmd->add_option("job_b", diff.job_b, "the later job id")->required();
    diff_cmd->add_flag("--json", global.json, "print the comparison as one JSON object");
    diff_cmd->footer(
        "\nFetches both ended jobs' results and prints, per command, each change as a unified\n"
        "diff (JOB_A's output -> JOB_B's) under the node set of the routers that changed the\n"
        "same way; a status change (ok -> FAILED) is named in the group's heading. Then the\n"
        "routers in only one job, and the unchanged ones. Past 1000 changed lines (or 50000\n"
        "lines on a side) a router's diff is only \"outputs differ (N vs M lines)\".\n"
        "\nExit codes: 0 nothing changed, 1 something changed (as diff(1)), 2 usage or request\n"
        "error (a job unknown or not ended), 3 no reply or connection trouble.\n"
        "\nExamples:\n  fanoutctl diff nightly-41 nightly-42\n"
        "  fanoutctl diff --json nightly-41 nightly-42 | jq -r '.groups[].node_set'\n" +
        std::string(global_note));
    replay_options replay;
    auto* replay_cmd = app.add_subcommand(
        "replay", "print the router results fanoutd still keeps after a seq number");
    replay_cmd->add_option("--since", replay.since, "print results with a greater seq")->required();
    replay_cmd->add_option("--job", replay.job_id, "only this job's results");
    replay_cmd->add_flag("--json", global.json, "one JSON object per router result");
    replay_cmd->add_flag("--brief", replay.brief, "one line per router result");
    replay_cmd->footer(
        std::string(
            "\nFetches every retained result with seq > SEQ, in seq order, page by page, e.g.\n"
            "after a subscriber saw a gap in seq. Results of expired jobs are gone; a note on\n"
            "stderr says so, and ends with the --since to continue from.\n"
            "\nExamples:\n  fanoutctl replay --since 0 --brief\n"
            "  fanoutctl replay --since 1017 --job nightly-42 --json\n") +
        exit_codes_help + global_note);

    // issue 13: jobs, follow, watch (jobs_cli.cpp)
    jobs_command_options jobs_options_;
    const auto jobs_cmds = add_jobs_subcommands(app, global, jobs_options_,
                                                std::string(exit_codes_help) + global_note);

    app.footer(main_footer + std::string(exit_codes_help));

    // --json anywhere before `--`: errors, parse errors included, come as JSON on stdout.
    std::string environment_problem;
    auto words = with_environment(argc, argv, environment_problem);
    const auto options_end = std::find(words.begin() + 1, words.end(), "--");
    const bool json_anywhere = std::find(words.begin() + 1, options_end, "--json") != options_end;
    set_json_errors(json_anywhere);
    if (!environment_problem.empty()) return report_usage_error(environment_problem);
    std::vector<std::string> reversed(words.rbegin(), words.rend() - 1);  // CLI11's order
    try {
        app.parse(reversed);
    } catch (const CLI::ExtrasError& e) {
        if (auto code = report_unknown_subcommand(app, app.remaining())) return *code;
        return report_usage_error(e.what());
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e) == 0 ? exit_ok : exit_usage;
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e) == 0 ? exit_ok : exit_usage;
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e) == 0 ? exit_ok : exit_usage;
    } catch (const CLI::RequiredError& e) {
        // "A subcommand is required": say which words were not one.
        if (auto code = report_unknown_subcommand(app, app.remaining())) return *code;
        if (json_anywhere) return report_usage_error(e.what());
        return app.exit(e) == 0 ? exit_ok : exit_usage;
    } catch (const CLI::ParseError& e) {
        if (json_anywhere) return report_usage_error(e.what());
        return app.exit(e) == 0 ? exit_ok : exit_usage;
    }
    set_json_errors(global.json);

    if (*keygen_cmd) return keygen_command(keygen);
    if (auto code = resolve_curve(global)) return *code;
    if (*run_cmd) return run_command(global, run);
    if (*status_cmd) return status_command(global, query);
    if (*result_cmd) return result_command(global, query);
    if (*cancel_cmd) return cancel_command(global, query);
    if (*diff_cmd) return diff_command(global, diff);  // issue 13
    if (*routers_cmd) return routers_command(global);
    if (*ping_cmd) return ping_command(global);
    if (*replay_cmd) return replay_command(global, replay);
    if (*jobs_cmds.jobs) return jobs_command(global, jobs_options_.jobs);
    if (*jobs_cmds.follow) return follow_command(global, jobs_options_.follow);
    if (*jobs_cmds.watch) return watch_command(global);
    return exit_usage;
}

}  // namespace fanout::ctl
