// Unit tests of fanoutctl's clush node sets: expansion (ranges, padding, steps, several
// bracket groups, comma lists), the bound on huge ranges, syntax errors, folding back and
// natural order.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tools/fanoutctl/node_set.hpp"

namespace {

using namespace fanout::ctl;
using names = std::vector<std::string>;

names expand(std::string_view expression, std::size_t limit = max_node_set_names) {
    auto result = expand_node_set(expression, limit);
    if (auto* error = std::get_if<node_set_error>(&result))
        ADD_FAILURE() << expression << ": " << error->message;
    auto* list = std::get_if<names>(&result);
    return list ? *list : names{};
}

std::string error_of(std::string_view expression, std::size_t limit = max_node_set_names) {
    auto result = expand_node_set(expression, limit);
    auto* error = std::get_if<node_set_error>(&result);
    return error ? error->message : "(no error)";
}

TEST(FanoutctlNodeSet, ARangeExpandsInOrder) {
    EXPECT_EQ(expand("r[1-5]"), (names{"r1", "r2", "r3", "r4", "r5"}));
    EXPECT_EQ(expand("r[9-11]"), (names{"r9", "r10", "r11"}));
    EXPECT_EQ(expand("r7"), (names{"r7"}));
}

TEST(FanoutctlNodeSet, ZeroPaddingIsKept) {
    const auto lab = expand("mx[01-12].lab");
    ASSERT_EQ(lab.size(), 12u);
    EXPECT_EQ(lab.front(), "mx01.lab");
    EXPECT_EQ(lab[8], "mx09.lab");
    EXPECT_EQ(lab.back(), "mx12.lab");
    EXPECT_EQ(expand("sw[098-101]"), (names{"sw098", "sw099", "sw100", "sw101"}));
}

TEST(FanoutctlNodeSet, SeveralRangesStepsAndSingleNumbersInOneGroup) {
    EXPECT_EQ(expand("r[1-3,9,12-13]"), (names{"r1", "r2", "r3", "r9", "r12", "r13"}));
    EXPECT_EQ(expand("r[1-9/4]"), (names{"r1", "r5", "r9"}));
    EXPECT_EQ(expand("r[1-10/4]"), (names{"r1", "r5", "r9"}));
}

TEST(FanoutctlNodeSet, SeveralBracketGroupsMultiplyLeftmostSlowest) {
    EXPECT_EQ(expand("pod[1-2]-leaf[01-02]"),
              (names{"pod1-leaf01", "pod1-leaf02", "pod2-leaf01", "pod2-leaf02"}));
    EXPECT_EQ(expand("[1-2]x"), (names{"1x", "2x"}));
}

TEST(FanoutctlNodeSet, CommaListsSplitOnlyOutsideBrackets) {
    EXPECT_EQ(expand("r[1-2], edge1 ,mx[01,03].lab"),
              (names{"r1", "r2", "edge1", "mx01.lab", "mx03.lab"}));
    auto split = split_node_set("a,,r[1,2], b");
    EXPECT_EQ(std::get<names>(split), (names{"a", "r[1,2]", "b"}));
}

TEST(FanoutctlNodeSet, BadSyntaxIsAnErrorNamingTheProblem) {
    EXPECT_NE(error_of("r[1-5").find("'[' without ']'"), std::string::npos);
    EXPECT_NE(error_of("r1-5]").find("unbalanced"), std::string::npos);
    EXPECT_NE(error_of("r[1]x]").find("unbalanced"), std::string::npos);
    EXPECT_NE(error_of("r[[1-2]]").find("unbalanced"), std::string::npos);
    EXPECT_NE(error_of("r[]").find("empty range"), std::string::npos);
    EXPECT_NE(error_of("r[1,,2]").find("empty range"), std::string::npos);
    EXPECT_NE(error_of("r[a-c]").find("not a number"), std::string::npos);
    EXPECT_NE(error_of("r[1-]").find("not a number"), std::string::npos);
    EXPECT_NE(error_of("r[5-1]").find("reversed"), std::string::npos);
    EXPECT_NE(error_of("r[1-9/0]").find("step"), std::string::npos);
    EXPECT_NE(error_of("r[1-1234567890123456789]").find("1-18 digit"), std::string::npos);
}

TEST(FanoutctlNodeSet, HugeRangesAreRefusedBeforeAnythingIsAllocated) {
    const auto message = error_of("r[1-100000000]");
    EXPECT_NE(message.find("r[1-100000000]: more than 200000 names"), std::string::npos) << message;
    // The product of several groups is bounded too, even when it would overflow 64 bits.
    EXPECT_NE(error_of("a[1-999999999]b[1-999999999]c[1-999999999]").find("more than"),
              std::string::npos);
    EXPECT_NE(error_of("r[1-3],s[1-3]", 5).find("more than 5"), std::string::npos);
    EXPECT_EQ(expand("r[1-5]", 5).size(), 5u);
    EXPECT_EQ(expand("r[1-200000]").size(), 200000u);
}

TEST(FanoutctlNodeSet, FoldingGroupsConsecutiveNumbers) {
    names routers;
    for (int i = 1; i <= 32; ++i)
        if (i != 7) routers.push_back("r" + std::to_string(i));
    EXPECT_EQ(fold_node_set(routers), "r[1-6,8-32]");
    EXPECT_EQ(fold_node_set({"r7"}), "r7");
    EXPECT_EQ(fold_node_set({"r3", "r1"}), "r[1,3]");
    EXPECT_EQ(fold_node_set({}), "");
}

TEST(FanoutctlNodeSet, FoldingKeepsPaddingAndSuffixesApart) {
    EXPECT_EQ(fold_node_set({"mx01.lab", "mx02.lab", "mx03.lab", "mx10.lab"}), "mx[01-03,10].lab");
    EXPECT_EQ(fold_node_set({"r1", "r01"}), "r1,r01");
    EXPECT_EQ(fold_node_set({"edge", "r2", "r1", "core-a"}), "r[1-2],core-a,edge");
    EXPECT_EQ(fold_node_set({"pod1-leaf1", "pod1-leaf2", "pod2-leaf1"}),
              "pod1-leaf[1-2],pod2-leaf1");
}

TEST(FanoutctlNodeSet, FoldThenExpandGivesTheSameNames) {
    names routers = {"r1",      "r2",     "r3",   "r10",    "mx01.lab", "mx02.lab", "mx10.lab",
                     "mx9.lab", "edge-a", "r007", "sw-1-2", "sw-1-3",   "r1x"};
    auto back = expand(fold_node_set(routers));
    std::sort(back.begin(), back.end());
    std::sort(routers.begin(), routers.end());
    EXPECT_EQ(back, routers);
}

TEST(FanoutctlNodeSet, NaturalOrderCountsNumbers) {
    names list = {"r10", "r2", "r1", "mx02", "mx1", "r1a", "edge"};
    std::sort(list.begin(), list.end(),
              [](const auto& a, const auto& b) { return natural_less(a, b); });
    EXPECT_EQ(list, (names{"edge", "mx1", "mx02", "r1", "r1a", "r2", "r10"}));
}

}  // namespace
