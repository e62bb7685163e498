// Unit tests of how fanoutctl chooses routers: -r/-x terms (names, node sets, globs, @groups,
// all), --routers-file contents, and the "did you mean" suggestions for unknown names.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tools/fanoutctl/router_list.hpp"
#include "tools/fanoutctl/router_select.hpp"
#include "tools/fanoutctl/suggest.hpp"

namespace {

using namespace fanout;
using namespace fanout::ctl;
using names = std::vector<std::string>;

std::vector<protocol::router_info> lab_inventory() {
    return {{"r1", "10.0.0.1", 22, "u", {"core"}},     {"r2", "10.0.0.2", 22, "u", {"core", "lab"}},
            {"r10", "10.0.0.10", 22, "u", {}},         {"edge-1", "10.0.1.1", 22, "u", {"edge"}},
            {"edge-2", "10.0.1.2", 22, "u", {"edge"}}, {"Core-A", "10.0.2.1", 22, "u", {"lab"}}};
}

names select(selection_terms terms) {
    auto result = resolve_selection(terms, lab_inventory());
    if (auto* error = std::get_if<selection_error>(&result)) ADD_FAILURE() << error->message;
    auto* list = std::get_if<names>(&result);
    return list ? *list : names{};
}

std::string error_of(selection_terms terms) {
    auto result = resolve_selection(terms, lab_inventory());
    auto* error = std::get_if<selection_error>(&result);
    return error ? error->message : "(no error)";
}

TEST(FanoutctlSelect, CommaListsAndRepeatsAreMergedWithoutDuplicates) {
    EXPECT_EQ(select({{"r1, r2,,r3", "r2", " r4 "}}), (names{"r1", "r2", "r3", "r4"}));
}

TEST(FanoutctlSelect, NodeSetsExpandWithoutTheInventory) {
    const selection_terms terms{{"r[1-3,9]", "mx[01-02].lab"}};
    EXPECT_FALSE(needs_inventory(terms));
    EXPECT_EQ(select(terms), (names{"r1", "r2", "r3", "r9", "mx01.lab", "mx02.lab"}));
}

TEST(FanoutctlSelect, AllGlobsAndGroupsComeFromTheInventoryInNaturalOrder) {
    EXPECT_TRUE(needs_inventory({{"all"}}));
    EXPECT_TRUE(needs_inventory({{"r1"}, {}, {"edge-*"}}));
    EXPECT_TRUE(needs_inventory({{"r1,@core"}}));
    EXPECT_EQ(select({{"all"}}), (names{"Core-A", "edge-1", "edge-2", "r1", "r2", "r10"}));
    EXPECT_EQ(select({{"r*"}}), (names{"r1", "r2", "r10"}));
    EXPECT_EQ(select({{"r?"}}), (names{"r1", "r2"}));
    EXPECT_EQ(select({{"@core,edge-*"}}), (names{"r1", "r2", "edge-1", "edge-2"}));
}

TEST(FanoutctlSelect, ExclusionsTakeTheSameSyntax) {
    EXPECT_EQ(select({{"all"}, {}, {"@lab", "r1"}}), (names{"edge-1", "edge-2", "r10"}));
    EXPECT_EQ(select({{"r[1-5]"}, {}, {"r[2-3]"}}), (names{"r1", "r4", "r5"}));
    EXPECT_EQ(select({{"edge-*"}, {}, {"r21"}}), (names{"edge-1", "edge-2"}));
}

TEST(FanoutctlSelect, FileNamesAreLiteralAndExcludable) {
    EXPECT_EQ(select({{"r1"}, {"r[9]", "r2", "r1"}, {"r2"}}), (names{"r1", "r[9]"}));
}

TEST(FanoutctlSelect, TermsThatMatchNothingAreErrorsNamingThem) {
    EXPECT_EQ(error_of({{"core-*"}}), "'core-*' matches no router in fanoutd's inventory");
    EXPECT_EQ(error_of({{"@spine"}}),
              "@spine: no router in fanoutd's inventory is in that group (groups: core, edge, "
              "lab)");
    EXPECT_EQ(error_of({{"r1"}, {}, {"r1"}}), "every selected router is excluded by -x");
    EXPECT_NE(error_of({{"r[1-100000000]"}}).find("more than 200000 names"), std::string::npos);
    EXPECT_NE(error_of({{"r[3-1]"}}).find("reversed"), std::string::npos);
}

TEST(FanoutctlRoutersFile, SkipsBlanksCommentsAndTrailingComments) {
    EXPECT_EQ(parse_routers_file("# core\nr1\r\n\n  r2  # the spare\n#r3\nr1\nr#4\tr5 #x\nr6"),
              (names{"r1", "r2", "r#4\tr5", "r6"}));
}

TEST(FanoutctlRoutersFile, AMissingFileIsAnErrorValue) {
    auto result = read_routers_file("/nonexistent/routers.txt");
    ASSERT_TRUE(std::holds_alternative<routers_file_error>(result));
    EXPECT_NE(std::get<routers_file_error>(result).message.find("/nonexistent/routers.txt"),
              std::string::npos);
}

TEST(FanoutctlSuggest, DistanceIgnoresCaseAndCountsSwaps) {
    EXPECT_EQ(name_distance("R1", "r1"), 0u);
    EXPECT_EQ(name_distance("r12", "r21"), 1u);
    EXPECT_EQ(name_distance("edge-1", "edg-1"), 1u);
    EXPECT_EQ(name_distance("abc", "xyz"), 3u);
}

TEST(FanoutctlSuggest, CloseAndMisCasedNamesAreSuggestedClosestFirst) {
    const names known = {"r1", "r2", "r10", "r19", "edge-1", "Core-A", "core-b"};
    EXPECT_EQ(suggest_names("R1", known), (names{"r1"})) << "a case mismatch is the answer";
    EXPECT_EQ(suggest_names("r9", known), (names{"r1", "r2", "r19"}));
    EXPECT_EQ(suggest_names("core-a", known), (names{"Core-A"}));
    EXPECT_EQ(suggest_names("core-c", known), (names{"Core-A", "core-b"}));
    EXPECT_EQ(suggest_names("egde-1", known), (names{"edge-1"}));
    EXPECT_TRUE(suggest_names("spine-9", known).empty());
    EXPECT_EQ(suggest_names("r3", known, 2), (names{"r1", "r2"})) << "at most max suggestions";
}

TEST(FanoutctlSuggest, LinesNameEachUnknownRouterThatHasSuggestions) {
    EXPECT_EQ(format_suggestions({"R10", "zzzzzz", "egde-1"}, {"r10", "r1", "edge-1"}),
              "  R10: did you mean r10?\n"
              "  egde-1: did you mean edge-1?\n");
    EXPECT_EQ(format_suggestions({"zzzzzz"}, {"r1"}), "");
    std::vector<std::string> many(25, "zzzzzz");
    many.push_back("R1");
    EXPECT_EQ(format_suggestions(many, {"r1"}), "") << "only the first 20 are looked at";
    many.assign(12, "R1");
    const auto lines = format_suggestions(many, {"r1"});
    EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 10) << "at most 10 lines";
    EXPECT_EQ(format_suggestions({"r4"}, {"r1", "r2", "r3"}), "  r4: did you mean r1, r2 or r3?\n");
}

}  // namespace
