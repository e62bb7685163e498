// The command policy: the built-in deny list with Junos abbreviations, allow lists that insist
// on unambiguous abbreviations, pipes, quoting, chained commands, and the file format.
#include <gtest/gtest.h>

#include <fstream>

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

}  // namespace

TEST(command_policy_default, reboot_in_every_spelling_is_refused) {
    for (const char* c :
         {"request system reboot", "req sys reb", "REQUEST SYSTEM REBOOT", "Req Sys Reboot",
          "request  system   reboot at now", "  request system reboot  ",
          "\trequest\tsystem reboot", "req sys zer", "request system zeroize media", "r s h",
          "request system power-off", "request system power-cycle", "request system halt in 5",
          "request vmhost reboot", "\"request\" system reboot", "re\"quest\" system reboot",
          "re sys reb"})
        EXPECT_FALSE(allowed(defaults, c)) << c;
    EXPECT_NE(reason(defaults, "req sys reb").find("(reboot|halt|power-off|power-cycle|zeroize)"),
              std::string::npos)
        << reason(defaults, "req sys reb");
    EXPECT_NE(reason(defaults, "req sys reb").find("built-in"), std::string::npos);
}

TEST(command_policy_default, configuration_shell_software_and_files_are_refused) {
    for (const char* c : {"conf",
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
                          "show log messages | s x"})
        EXPECT_FALSE(allowed(defaults, c)) << c;
}

TEST(command_policy_default, read_only_commands_pass) {
    for (const char* c :
         {"show version", "sh ver", "show system uptime", "show system reboot",
          "show interfaces terse", "show configuration | display set", "show route | count",
          "show log messages | match \"error|fail\" | last 20", "show version | no-more",
          "ping 10.0.0.1 count 3", "file list /var/tmp", "request support information",
          "show system software", "clear interfaces statistics all", "start-x", "traceroute x"})
        EXPECT_TRUE(allowed(defaults, c)) << c << ": " << reason(defaults, c);
}

TEST(command_policy_default, chained_or_malformed_commands_are_always_refused) {
    EXPECT_NE(reason(defaults, "show version; request system reboot").find("`;`"),
              std::string::npos);
    EXPECT_NE(reason(defaults, "show version\nrequest system reboot").find("control"),
              std::string::npos);
    for (const char* c :
         {"show version;", "show version\r", "show \"version", "", "   ", "show version |",
          "show version || count", "| count", "show log \"a\\\" | save x\""})
        EXPECT_FALSE(allowed(defaults, c)) << c;
    EXPECT_FALSE(allowed(defaults, std::string_view("show version\0x", 14)));
}

TEST(command_policy_default, a_pipe_hidden_in_quotes_is_still_refused) {
    // Whatever the router makes of the quotes, a denied pipe stage is refused.
    EXPECT_FALSE(allowed(defaults, "show log messages | match \"x | save /var/tmp/y\""));
    EXPECT_TRUE(allowed(defaults, "show log messages | match \"x|y\""));
    EXPECT_FALSE(allowed(defaults, "\"request system reboot\""));
    EXPECT_TRUE(allowed(defaults, "show log messages | match \"|\""));
    EXPECT_TRUE(allowed(defaults, "show log messages | match \"request system reboot\""));
}

TEST(command_policy_allow, only_unambiguous_abbreviations_of_allowed_commands_pass) {
    auto p = command_policy::parse("allow show ...\nallow ping * count *\n", "t.conf");
    EXPECT_TRUE(allowed(p, "show version"));
    EXPECT_TRUE(allowed(p, "sh ver"));
    EXPECT_TRUE(allowed(p, "SHOW VERSION"));
    EXPECT_TRUE(allowed(p, "show"));
    EXPECT_TRUE(allowed(p, "ping 10.0.0.1 count 3"));
    // `s` is save, set, show, ssh or start; `ssh` is not `show`; `ping x` lacks `count N`.
    EXPECT_FALSE(allowed(p, "s ver"));
    EXPECT_NE(reason(p, "ssh host").find("no allow rule"), std::string::npos);
    EXPECT_FALSE(allowed(p, "ssh host"));
    EXPECT_FALSE(allowed(p, "ping 10.0.0.1"));
    EXPECT_FALSE(allowed(p, "ping 10.0.0.1 count 3 rapid"));
    EXPECT_FALSE(allowed(p, "\"\" version"));
    // The built-in deny rules still apply under an allow list.
    EXPECT_FALSE(allowed(p, "show version | save x"));
    EXPECT_FALSE(allowed(p, "request system reboot"));
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
    EXPECT_TRUE(allowed(p, "show route | match 10.1 | count"));
    EXPECT_TRUE(allowed(p, "show configuration | disp set"));
    EXPECT_FALSE(allowed(p, "show version | resolve"));
    EXPECT_TRUE(allowed(p, "show version | m x"));  // only `match` starts with m
    EXPECT_FALSE(allowed(p, "show version | c"));   // count or compare
}

TEST(command_policy_file, rules_extend_the_defaults_unless_defaults_off) {
    auto extended = command_policy::parse("# more\ndeny clear (bgp|ospf|isis) ...\n", "p.conf");
    EXPECT_FALSE(allowed(extended, "clear bgp neighbor"));
    EXPECT_FALSE(allowed(extended, "cl bg nei 10.0.0.1"));
    EXPECT_FALSE(allowed(extended, "req sys reb"));
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
    EXPECT_TRUE(allowed(example, "show version"));
    EXPECT_FALSE(allowed(example, "req sys reb"));
    EXPECT_FALSE(allowed(example, "clear bgp neighbor 10.0.0.1"));
    auto readonly =
        command_policy::load(FANOUT_SOURCE_DIR "/examples/command-policy-readonly.conf");
    EXPECT_TRUE(allowed(readonly, "sh ver | m Junos"));
    EXPECT_FALSE(allowed(readonly, "s ver"));
    EXPECT_FALSE(allowed(readonly, "show version | save x"));
    EXPECT_FALSE(allowed(readonly, "clear interfaces statistics all"));
    EXPECT_THROW(command_policy::load("/nonexistent/policy.conf"), command_policy_error);
}

TEST(command_policy_excerpt, is_bounded_and_escapes_control_characters) {
    EXPECT_EQ(command_excerpt("show version"), "`show version`");
    EXPECT_EQ(command_excerpt("a\nb\x01"), "`a\\nb\\x01`");
    auto long_one = command_excerpt(std::string(5000, 'x'));
    EXPECT_EQ(long_one.size(), 80u + 5u);
    // A multi-byte character at the cut is dropped whole, not split.
    auto cut = command_excerpt(std::string(79, 'x') + "\xc3\xa9tail", 80);
    EXPECT_EQ(cut, "`" + std::string(79, 'x') + "...`");
}
