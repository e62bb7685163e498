// The command policy: the built-in deny list with Junos abbreviations, allow lists that insist
// on unambiguous abbreviations, pipes, quoting, chained commands, and the file format.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <vector>

#include "daemon/admission/command_policy.hpp"

using fanout::daemon::command_excerpt;
using fanout::daemon::command_policy;
using fanout::daemon::command_policy_error;

namespace {

bool allowed(const command_policy& p, std::string_view command) {
    return !p.check(command).has_value();
}

std::string reason(const command_policy& p, std::string_view command) {
    return p.check(command).value_or("(allowed)");
}

const command_policy defaults = command_policy::builtin();

// Each of `commands` is refused by `p`; a failure names the command.
void expect_refused(const command_policy& p, std::initializer_list<std::string_view> commands) {
    for (auto c : commands) EXPECT_FALSE(allowed(p, c)) << c;
}

// Each of `commands` passes `p`; a failure names the command and why it was refused.
void expect_allowed(const command_policy& p, std::initializer_list<std::string_view> commands) {
    for (auto c : commands) EXPECT_TRUE(allowed(p, c)) << c << ": " << reason(p, c);
}

// Whether `reason` is printable ASCII only (no raw character of the command echoed).
bool printable_ascii(const std::string& reason) {
    return std::all_of(reason.begin(), reason.end(),
                       [](char ch) { return ch >= 0x20 && ch < 0x7f; });
}

}  // namespace

TEST(command_policy_default, reboot_in_every_spelling_is_refused) {
    expect_refused(
        defaults,
        {"request system reboot", "req sys reb", "REQUEST SYSTEM REBOOT", "Req Sys Reboot",
         "request  system   reboot at now", "  request system reboot  ", "\trequest\tsystem reboot",
         "req sys zer", "request system zeroize media", "r s h", "request system power-off",
         "request system power-cycle", "request system halt in 5", "request vmhost reboot",
         "\"request\" system reboot", "re\"quest\" system reboot", "re sys reb"});
    EXPECT_NE(reason(defaults, "req sys reb").find("(reboot|halt|power-off|power-cycle|zeroize)"),
              std::string::npos)
        << reason(defaults, "req sys reb");
    EXPECT_NE(reason(defaults, "req sys reb").find("built-in"), std::string::npos);
}

TEST(command_policy_default, configuration_shell_software_and_files_are_refused) {
    expect_refused(defaults, {"conf",
                              "configure",
                              "configure private",
                              "configure exclusive",
                              "edit",
                              "set date 202601011200",
                              "set cli screen-length 0",
                              "commit",
                              "rollback 1",
                              "load override x",
                              "delete interfaces",
                              "start shell",
                              "start shell sh",
                              "st sh",
                              "request system software add /var/tmp/x.tgz",
                              "req sys soft rollback",
                              "restart routing",
                              "file delete /config/juniper.conf.gz",
                              "file copy /var/tmp/a /config/juniper.conf.gz",
                              "show version | save /var/tmp/v",
                              "show configuration | display set | save x",
                              "show version | append x",
                              "show version|tee x",
                              "show log messages | s x"});
}

TEST(command_policy_default, read_only_commands_pass) {
    expect_allowed(
        defaults,
        {"show version", "sh ver", "show system uptime", "show system reboot",
         "show interfaces terse", "show configuration | display set", "show route | count",
         "show log messages | match \"error|fail\" | last 20", "show version | no-more",
         "ping 10.0.0.1 count 3", "file list /var/tmp", "request support information",
         "show system software", "clear interfaces statistics all", "start-x", "traceroute x"});
}

// Issue 10, finding 7: whole command families reached the router. Each family of the built-in
// list, spelled in full, abbreviated and in other case.
TEST(command_policy_default, every_family_that_reboots_writes_or_opens_a_login_is_refused) {
    expect_refused(
        defaults,
        {// Junos OS Evolved: per-node reboot, halt, power-off, offline.
         "request node reboot re0", "request node halt re1", "request node power-off fpc0",
         "request node offline fpc1", "request node online fpc1", "req node reb re0",
         "req no pow fpc0", "REQ NODE OFF fpc1", "r n h re1",
         // request system: snapshot, partition, storage, rescue, licences, firmware,
         // scripts, logout, and the rest of the family.
         "request system storage cleanup", "request system storage cleanup no-confirm",
         "req sys stor cl", "request system snapshot", "req sys snap slice alternate",
         "request system partition hard-disk", "req sys part compact-flash",
         "request system configuration rescue delete", "request system configuration rescue save",
         "req sys conf resc del", "request system license delete license-id x",
         "request system license add terminal", "req sys lic del", "request license delete x",
         "req lic del", "request system firmware upgrade pic slot 0", "req sys firm up",
         "request system scripts add /var/tmp/x.tgz", "req sys scr add",
         "request system logout user x", "req sys logo pid 12", "request system set-encryption-key",
         "request system download start", "request system autorecovery state clear",
         "request system recover junos-volume", "request system commit server pause",
         "request system yang add package x", "request system certificate add x",
         // vmhost, chassis, virtual chassis, interfaces.
         "request vmhost snapshot", "request vmhost file-copy from-jdm x y",
         "request vmhost zeroize", "request chassis fpc slot 0 offline",
         "request chassis routing-engine master switch", "req ch fpc sl 0 res",
         "request chassis cluster failover redundancy-group 0 node 1",
         "request virtual-chassis member-id set member 1", "req virtual-chassis vc-port delete",
         "request interface mc-ae switchover immediate", "request interface revert ae0",
         // Logins and shells elsewhere: other RE, VC member, app engine, PFE, JET apps.
         "request routing-engine login other-routing-engine", "req rout log re1",
         "request session member 1", "req sess mem 1", "request app-engine host-shell",
         "request app-engine virtual-machine-shell guest", "req app-e host-sh",
         "request pfe execute target fpc0 command \"show jnh 0 pool\"", "req pfe exe target fpc0",
         "request extension-service start x.py", "req ext start x.py",
         // Certificates, keys, security packages, software packages.
         "request security pki local-certificate delete certificate-id x",
         "request security pki ca-certificate delete ca-profile x", "req sec pki key-pair delete x",
         "request security idp security-package install", "request package add x.tgz",
         "request software add x.tgz",
         // Files.
         "file archive source /var/log destination /var/tmp/x.tgz",
         "file archive compress source /config destination ftp://h/x", "file ar so /var/log",
         "file link /var/tmp/a /var/tmp/b", "file li /var/tmp/a /var/tmp/b",
         "file make-directory /var/tmp/x", "file mak /var/tmp/x", "FILE MAKE-DIR /var/tmp/x",
         "file change-permission /var/tmp/x permission 777", "file change-owner /var/tmp/x owner y",
         "file delete-directory /var/tmp/x", "file ren /var/tmp/a /var/tmp/b",
         // Top level: save, shells, other logins, op scripts, monitor.
         "save /var/tmp/x", "sa /var/tmp/x", "SAVE x", "start shell user root",
         "start shell pfe network fpc0", "st sh pfe network fpc0", "ssh 192.0.2.1", "ss 192.0.2.1",
         "telnet 192.0.2.1", "tel 192.0.2.1", "op url http://192.0.2.1/x.slax", "op x", "o x",
         "monitor traffic interface ge-0/0/0 write-file /var/tmp/x", "monitor interface traffic",
         "monitor start messages", "mon tr int ge-0/0/0",
         // clear: log files, pending commits, account lockouts, certificates.
         "clear log messages", "clear log messages all", "cl lo messages", "clear system commit",
         "clear system commit prepared", "cl sys com", "clear system login lockout user x",
         "clear security pki local-certificate all", "clear security pki key-pair all",
         "cl sec pki ca-certificate all"});
}

TEST(command_policy_default, the_issue_10_commands_are_refused_with_the_family_rule) {
    EXPECT_NE(reason(defaults, "req node reb re0").find("deny request node"), std::string::npos);
    EXPECT_NE(reason(defaults, "sa x").find("deny save"), std::string::npos);
    EXPECT_NE(reason(defaults, "req pfe execute target fpc0 command x").find("pfe"),
              std::string::npos);
    EXPECT_NE(reason(defaults, "file link a b").find("link"), std::string::npos);
    // The existing rule still names the reboot (fanoutctl users and the docs quote it).
    EXPECT_NE(reason(defaults, "req sys reb").find("(reboot|halt|power-off|power-cycle|zeroize)"),
              std::string::npos);
}

TEST(command_policy_default, read_only_commands_of_the_same_families_still_pass) {
    expect_allowed(defaults, {"show version",
                              "show system storage",
                              "show system snapshot",
                              "show system license",
                              "show chassis hardware",
                              "show virtual-chassis",
                              "show node status",
                              "show route 10.0.0.0/8 | match \">\"",
                              "show interfaces descriptions | match \"AT&T\"",
                              "show log messages | match \"ge-0/0/0$\" | count",
                              "show security pki local-certificate",
                              "show system commit",
                              "show log messages | last 50",
                              "sh int ter | m ge-",
                              "ping 10.0.0.1",
                              "ping 10.0.0.1 count 5 rapid",
                              "traceroute 10.0.0.1",
                              "tr 10.0.0.1",
                              "mtrace from-source x",
                              "request support information",
                              "req su inf",
                              "request message all message \"maintenance\"",
                              "file list /var/log",
                              "file show /var/log/messages",
                              "file checksum md5 /var/tmp/x",
                              "file compare files /var/tmp/a /var/tmp/b",
                              "file lis /var/tmp",
                              "clear interfaces statistics all",
                              "clear system reboot",
                              "clear arp",
                              "clear firewall all",
                              "help reference",
                              "test policy x 10/8",
                              "show configuration | display set | match \"set system\"",
                              "show version | display xml"});
}

// Look-alikes: only printable ASCII (0x20-0x7e) is sent, so a Cyrillic letter, a no-break space,
// a Unicode line separator or a fullwidth form can neither hide a denied keyword nor split a
// command. The reason names the code point and the byte offset, never the character itself.
TEST(command_policy_ascii, a_command_that_is_not_printable_ascii_is_refused) {
    struct case_t {
        std::string command, expected;
    };
    for (const auto& c : std::vector<case_t>{
             {"sh\xd0\xbew version", "U+043E at byte 2"},            // Cyrillic o
             {"request syst\xd0\xb5m reboot", "U+0435 at byte 12"},  // Cyrillic ie
             {"\xd1\x80ing 10.0.0.1", "U+0440 at byte 0"},           // Cyrillic er
             {"request\xc2\xa0system reboot", "U+00A0 at byte 7"},   // NBSP
             {"show version\xe2\x80\xa8request system reboot", "U+2028 at byte 12"},
             {"show version\xc2\x85request system reboot", "U+0085 at byte 12"},      // NEL
             {"\xef\xbd\x92\xef\xbd\x85\xef\xbd\x91 sys reb", "U+FF52 at byte 0"},    // fullwidth r
             {"show version\xef\xbc\x9brequest system reboot", "U+FF1B at byte 12"},  // fullwidth ;
             {"show version \xf0\x9f\x98\x80", "U+1F600 at byte 13"},
             {"show \xff version", "0xFF at byte 5"},  // not UTF-8
             {"show \xc0\xaf", "0xC0 at byte 5"},      // overlong '/'
         }) {
        auto r = reason(defaults, c.command);
        EXPECT_EQ(r.rfind("holds a ", 0), 0u) << r;
        EXPECT_NE(r.find("not printable ASCII (" + c.expected), std::string::npos) << r;
        EXPECT_TRUE(printable_ascii(r)) << "the reason echoes a raw character: " << r;
    }
    EXPECT_EQ(reason(defaults, "sh\xd0\xbew version"),
              "holds a character that is not printable ASCII (U+043E at byte 2)");
}

TEST(command_policy_ascii, control_characters_tab_included_are_refused_and_never_echoed) {
    struct case_t {
        std::string command, expected;
    };
    for (const auto& c : std::vector<case_t>{
             {"show\tversion", "U+0009 at byte 4"},
             {"show version\nrequest system reboot", "U+000A at byte 12"},
             {"show version\r", "U+000D at byte 12"},
             {std::string("show version\0x", 14), "U+0000 at byte 12"},
             {"show version\x1b[2J", "U+001B at byte 12"},
             {"show version\x7f", "U+007F at byte 12"},
         }) {
        auto r = reason(defaults, c.command);
        EXPECT_NE(r.find("control character"), std::string::npos) << r;
        EXPECT_NE(r.find("(" + c.expected + ")"), std::string::npos) << r;
        EXPECT_TRUE(printable_ascii(r)) << "the reason echoes a raw character: " << r;
    }
    // Under an allow list too, and whatever `defaults off` says: the rule is not a rule.
    auto open = command_policy::parse("defaults off\nallow show ...\n", "t.conf");
    EXPECT_FALSE(allowed(open, "show\xc2\xa0version"));
    EXPECT_FALSE(allowed(open, "show\tversion"));
    EXPECT_TRUE(allowed(open, "show version"));
}

// Junos's CLI is not a shell, and `|` is its own pipe. What a Unix shell would run (command
// substitution, chaining, redirection) is refused, so an account whose login shell is not the
// Junos CLI cannot be made to run a second command either; inside double quotes `&`, `<` and
// `>` are Junos match text and pass.
TEST(command_policy_metacharacters, shell_syntax_is_refused_and_quoted_match_text_passes) {
    expect_refused(
        defaults,
        {"show version; request system reboot", "show version && request system reboot",
         "show version & request system reboot", "show version `reboot`", "show version $(reboot)",
         "show log \"$(reboot)\"", "show log \"`reboot`\"", "show version > /var/tmp/x",
         "show version >> /var/tmp/x", "show version < /etc/passwd", "show version 2>&1",
         "show version || request system reboot"});
    EXPECT_NE(reason(defaults, "show version && x").find("`&`"), std::string::npos);
    EXPECT_NE(reason(defaults, "show version > x").find("`>`"), std::string::npos);
    EXPECT_NE(reason(defaults, "show version $(x)").find("`$(`"), std::string::npos);
    expect_allowed(defaults,
                   {"show route | match \">\"", "show interfaces descriptions | match \"R&D\"",
                    "show log messages | match \"<rpc\"", "show log messages | match \"x$\"",
                    "show route aspath-regex \".* 65000$\"", "show log messages | match \"a|b\""});
}

TEST(command_policy_default, chained_or_malformed_commands_are_always_refused) {
    EXPECT_NE(reason(defaults, "show version; request system reboot").find("`;`"),
              std::string::npos);
    EXPECT_NE(reason(defaults, "show version\nrequest system reboot").find("control"),
              std::string::npos);
    expect_refused(
        defaults, {"show version;", "show version\r", "show \"version", "", "   ", "show version |",
                   "show version || count", "| count", "show log \"a\\\" | save x\""});
    EXPECT_FALSE(allowed(defaults, std::string_view("show version\0x", 14)));
}

TEST(command_policy_default, a_pipe_hidden_in_quotes_is_still_refused) {
    // Whatever the router makes of the quotes, a denied pipe stage is refused.
    expect_refused(defaults, {"show log messages | match \"x | save /var/tmp/y\"",
                              "\"request system reboot\""});
    expect_allowed(defaults,
                   {"show log messages | match \"x|y\"", "show log messages | match \"|\"",
                    "show log messages | match \"request system reboot\""});
}

TEST(command_policy_allow, only_unambiguous_abbreviations_of_allowed_commands_pass) {
    auto p = command_policy::parse("allow show ...\nallow ping * count *\n", "t.conf");
    expect_allowed(p, {"show version", "sh ver", "SHOW VERSION", "show", "ping 10.0.0.1 count 3"});
    // `s` is save, set, show, ssh or start; `ssh` is not `show`; `ping x` lacks `count N`.
    expect_refused(
        p, {"s ver", "ssh host", "ping 10.0.0.1", "ping 10.0.0.1 count 3 rapid", "\"\" version",
            // The built-in deny rules still apply under an allow list.
            "show version | save x", "request system reboot"});
    // (The built-in list denies ssh itself; without it, the allow list still refuses it.)
    auto bare = command_policy::parse("defaults off\nallow show ...\n", "t.conf");
    EXPECT_NE(reason(bare, "ssh host").find("no allow rule"), std::string::npos);
}

TEST(command_policy_allow, an_exact_top_level_command_is_not_an_abbreviation_of_another) {
    // `p` could be ping only, but `te` is telnet or test: only unique prefixes count.
    auto p = command_policy::parse("allow (ping|test) ...\n", "t.conf");
    EXPECT_TRUE(allowed(p, "p 10.0.0.1"));
    EXPECT_FALSE(allowed(p, "te x"));
    EXPECT_TRUE(allowed(p, "tes x"));
}

TEST(command_policy_allow, pipe_allow_rules_make_pipes_an_allow_list_too) {
    auto p = command_policy::parse(
        "defaults off\nallow show ...\nallow | (match|except|count|display|no-more|last) ...\n",
        "t.conf");
    expect_allowed(p, {"show route | match 10.1 | count", "show configuration | disp set",
                       "show version | m x"});  // only `match` starts with m
    expect_refused(p, {"show version | resolve", "show version | c"});  // c: count or compare
}

TEST(command_policy_file, rules_extend_the_defaults_unless_defaults_off) {
    auto extended = command_policy::parse("# more\ndeny clear (bgp|ospf|isis) ...\n", "p.conf");
    expect_refused(extended, {"clear bgp neighbor", "cl bg nei 10.0.0.1", "req sys reb"});
    EXPECT_NE(reason(extended, "clear bgp neighbor").find("p.conf:2"), std::string::npos);
    EXPECT_TRUE(allowed(extended, "clear interfaces statistics all"));

    auto replaced = command_policy::parse("defaults off\ndeny clear bgp\n", "p.conf");
    EXPECT_TRUE(allowed(replaced, "request system reboot"));
    EXPECT_FALSE(allowed(replaced, "clear bgp neighbor"));
    EXPECT_EQ(replaced.rules().size(), 1u);
}

TEST(command_policy_file, errors_name_the_file_and_line) {
    auto error_of = [](const std::string& text) {
        try {
            command_policy::parse(text, "p.conf");
        } catch (const command_policy_error& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    EXPECT_EQ(error_of("deny show\nfrobnicate x\n").rfind("p.conf:2: expected", 0), 0u)
        << error_of("deny show\nfrobnicate x\n");
    EXPECT_EQ(error_of("deny show ... version").rfind("p.conf:1: `...` may only end", 0), 0u);
    EXPECT_EQ(error_of("\n\ndeny").rfind("p.conf:3:", 0), 0u);
    EXPECT_EQ(error_of("allow show a|b").rfind("p.conf:1: alternatives need parentheses", 0), 0u);
    EXPECT_EQ(error_of("deny show (a|)").rfind("p.conf:1:", 0), 0u);
    EXPECT_EQ(error_of("deny show ver$ion").rfind("p.conf:1:", 0), 0u);
    EXPECT_EQ(error_of("defaults maybe").rfind("p.conf:1:", 0), 0u);
    EXPECT_EQ(error_of("defaults off\ndefaults on").rfind("p.conf:2:", 0), 0u);
    EXPECT_EQ(error_of("allow ...").rfind("p.conf:1:", 0), 0u);
    EXPECT_EQ(error_of(std::string(2000, 'x')).rfind("p.conf:1: line longer", 0), 0u);
    EXPECT_EQ(error_of("  # only a comment\n\n"), "(no error)");
}

TEST(command_policy_file, load_reads_the_example_file_and_refuses_a_missing_one) {
    auto example = command_policy::load(FANOUT_SOURCE_DIR "/examples/command-policy.conf");
    expect_allowed(example,
                   {"show version", "test policy x 10.0.0.0/8", "clear interfaces statistics all"});
    expect_refused(example,
                   {"req sys reb", "clear bgp neighbor 10.0.0.1", "clear security flow session all",
                    "test interface restart-auto-negotiation ge-0/0/0"});
    auto readonly =
        command_policy::load(FANOUT_SOURCE_DIR "/examples/command-policy-readonly.conf");
    EXPECT_TRUE(allowed(readonly, "sh ver | m Junos"));
    expect_refused(readonly, {"s ver", "show version | save x", "clear interfaces statistics all"});
    EXPECT_THROW(command_policy::load("/nonexistent/policy.conf"), command_policy_error);
}

// docs/security.md's table of the built-in deny list is the list, row for row, in order.
TEST(command_policy_file, the_docs_table_is_the_built_in_list) {
    std::ifstream in(FANOUT_SOURCE_DIR "/docs/security.md");
    ASSERT_TRUE(in);
    std::vector<std::string> documented;
    bool in_section = false;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("### ", 0) == 0) in_section = line == "### The built-in deny list";
        if (!in_section || line.rfind("| `", 0) != 0) continue;
        auto end = line.find("` |", 3);
        ASSERT_NE(end, std::string::npos) << line;
        std::string rule;
        for (std::size_t i = 3; i < end; ++i)
            if (!(line[i] == '\\' && i + 1 < end && line[i + 1] == '|')) rule += line[i];
        documented.push_back(rule);
    }
    std::vector<std::string> built_in;
    for (const auto& rule : defaults.rules()) built_in.push_back(rule.text);
    EXPECT_EQ(documented, built_in);
}

TEST(command_policy_excerpt, is_bounded_and_escapes_control_characters) {
    EXPECT_EQ(command_excerpt("show version"), "`show version`");
    EXPECT_EQ(command_excerpt("a\nb\x01"), "`a\\nb\\x01`");
    auto long_one = command_excerpt(std::string(5000, 'x'));
    EXPECT_EQ(long_one.size(), 80u + 5u);
    // A multi-byte character at the cut is dropped whole, not split.
    auto cut = command_excerpt(std::string(79, 'x') + "\xc3\xa9tail", 80);
    EXPECT_EQ(cut, "`" + std::string(79, 'x') + "...`");
    // Nothing but printable ASCII comes out: look-alikes and line separators are escaped.
    EXPECT_EQ(command_excerpt("sh\xd0\xbew\xc2\xa0x\xe2\x80\xa8y\xc2\x85"),
              "`sh\\u043ew\\u00a0x\\u2028y\\u0085`");
    EXPECT_EQ(command_excerpt("a\xf0\x9f\x98\x80 \xff\xc0\xaf"), "`a\\U0001f600 \\xff\\xc0\\xaf`");
}
