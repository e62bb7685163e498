// fanoutd --config FILE: options from a TOML/INI file, the command line winning, and a
// misspelt key or a missing file refused as a usage error; --max-sessions given or sized from
// the open-file limit.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/open_files.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

std::variant<fanout::daemon::config, int> parse(std::vector<std::string> args) {
    args.insert(args.begin(), "fanoutd");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return fanout::daemon::parse_command_line(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

TEST(config_file, options_come_from_the_file_and_the_command_line_wins) {
    fanout::testing::temp_dir dir;
    auto path = dir.file("fanoutd.conf");
    std::ofstream(path) << "# comment\ninventory = \"/etc/fanout/devices.json\"\nworkers = 7\n"
                           "command-timeout = 12.5\nhost-key-policy = \"accept-new\"\n";
    auto parsed = parse({"--config", path, "--workers", "9"});
    ASSERT_TRUE(std::holds_alternative<fanout::daemon::config>(parsed));
    auto& c = std::get<fanout::daemon::config>(parsed);
    EXPECT_EQ(c.inventory_path, "/etc/fanout/devices.json");
    EXPECT_EQ(c.workers, 9u);
    EXPECT_EQ(c.command_timeout, std::chrono::milliseconds(12500));
    EXPECT_EQ(c.transport.host_keys, fanout::daemon::host_key_policy::accept_new);
}

TEST(config_file, the_shipped_example_parses) {
    auto parsed = parse({"--config", std::string(FANOUT_SOURCE_DIR) + "/examples/fanoutd.conf"});
    ASSERT_TRUE(std::holds_alternative<fanout::daemon::config>(parsed));
    EXPECT_EQ(std::get<fanout::daemon::config>(parsed).inventory_path, "/etc/fanout/devices.json");
}

// The example's commented-out options are real options too: uncommented (the first of each
// key), the file still parses, so the example cannot drift from `fanoutd --help`.
TEST(config_file, every_commented_option_of_the_shipped_example_is_a_real_option) {
    fanout::testing::temp_dir dir;
    std::ifstream example(std::string(FANOUT_SOURCE_DIR) + "/examples/fanoutd.conf");
    std::ofstream uncommented(dir.file("all.conf"));
    const std::regex option(R"(^#\s?([a-z][a-z0-9-]*) = (.+)$)");
    std::set<std::string> seen;
    std::size_t count = 0;
    for (std::string line; std::getline(example, line);) {
        std::smatch m;
        if (std::regex_match(line, m, option)) {
            if (!seen.insert(m[1]).second) continue;
            // A file the option must find (a key, the policy) is an empty one in `dir`.
            std::string value = m[2].str();
            std::smatch file;
            if (std::regex_match(value, file,
                                 std::regex(R"re("/(etc|var/lib)/fanout/([^"/]+)")re"))) {
                std::ofstream(dir.file(file[2].str()));
                value = "\"" + dir.file(file[2].str()) + "\"";
            }
            line = m[1].str() + " = " + value;
            ++count;
        }
        uncommented << line << '\n';
    }
    uncommented.close();
    EXPECT_GE(count, 5u) << "the example should show its optional settings";
    auto parsed = parse({"--config", dir.file("all.conf")});
    EXPECT_TRUE(std::holds_alternative<fanout::daemon::config>(parsed))
        << "fanoutd --config rejected an uncommented option of examples/fanoutd.conf";
}

TEST(config_file, a_misspelt_key_an_out_of_range_value_or_a_missing_file_is_a_usage_error) {
    fanout::testing::temp_dir dir;
    auto misspelt = dir.file("misspelt.conf");
    std::ofstream(misspelt) << "wrkers = 7\n";
    EXPECT_EQ(std::get<int>(parse({"--config", misspelt})), 2);
    auto out_of_range = dir.file("range.conf");
    std::ofstream(out_of_range) << "workers = 0\n";
    EXPECT_EQ(std::get<int>(parse({"--config", out_of_range})), 2);
    EXPECT_EQ(std::get<int>(parse({"--config", dir.file("absent.conf")})), 2);
}

TEST(config_file, max_sessions_is_marked_as_set_only_when_given) {
    fanout::testing::temp_dir dir;
    auto path = dir.file("fanoutd.conf");
    std::ofstream(path) << "max-sessions = 500\n";
    EXPECT_FALSE(std::get<fanout::daemon::config>(parse({})).max_sessions_set);
    auto from_file = std::get<fanout::daemon::config>(parse({"--config", path}));
    EXPECT_TRUE(from_file.max_sessions_set);
    EXPECT_EQ(from_file.sessions.max_sessions, 500u);
    EXPECT_TRUE(std::get<fanout::daemon::config>(parse({"--max-sessions", "7"})).max_sessions_set);
}

TEST(config_file, the_default_session_cap_is_the_open_file_limit_minus_the_reserve) {
    using fanout::daemon::sessions_for_open_file_limit;
    EXPECT_EQ(sessions_for_open_file_limit(65536, 200), 65536u - 528u);
    EXPECT_EQ(sessions_for_open_file_limit(1024, 200), 496u);
    EXPECT_EQ(sessions_for_open_file_limit(1024, 10), 876u) << "128 + 2 x 10 reserved";
    EXPECT_EQ(sessions_for_open_file_limit(500, 200), 1u) << "never 0";
    EXPECT_EQ(sessions_for_open_file_limit(std::uint64_t{1} << 40, 200), 1'000'000u);
}
