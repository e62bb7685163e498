// Unit tests of fanoutctl's line diff: split_lines, shortest edit scripts (checked against an
// LCS table on random inputs), `diff -u` hunks, and the bounds that make it give up.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tools/fanoutctl/line_diff.hpp"

namespace {

using namespace fanout::ctl;
using lines = std::vector<std::string_view>;

std::vector<std::string> numbered(int n, const std::string& prefix = "line") {
    std::vector<std::string> out;
    for (int i = 1; i <= n; ++i) out.push_back(prefix + std::to_string(i));
    return out;
}

lines views(const std::vector<std::string>& strings) {
    return lines(strings.begin(), strings.end());
}

// Replays the script: every line of a and b once, in order, and it turns a into b.
void expect_valid(const lines& a, const lines& b, const std::vector<line_edit>& edits) {
    std::size_t ia = 0, ib = 0;
    for (const auto& e : edits) {
        if (e.op != line_op::add) {
            ASSERT_EQ(e.a_line, ia);
            ++ia;
        }
        if (e.op != line_op::remove) {
            ASSERT_EQ(e.b_line, ib);
            ++ib;
        }
        if (e.op == line_op::keep) {
            ASSERT_EQ(a[e.a_line], b[e.b_line]);
        }
    }
    EXPECT_EQ(ia, a.size());
    EXPECT_EQ(ib, b.size());
}

std::size_t lcs_length(const lines& a, const lines& b) {
    std::vector<std::vector<std::size_t>> t(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = a.size(); i-- > 0;)
        for (std::size_t j = b.size(); j-- > 0;)
            t[i][j] = a[i] == b[j] ? t[i + 1][j + 1] + 1 : std::max(t[i + 1][j], t[i][j + 1]);
    return t[0][0];
}

std::size_t changes(const std::vector<line_edit>& edits) {
    std::size_t n = 0;
    for (const auto& e : edits) n += e.op != line_op::keep;
    return n;
}

TEST(line_diff, split_lines_ends_the_last_line_at_a_final_newline) {
    EXPECT_EQ(split_lines(""), lines{});
    EXPECT_EQ(split_lines("a"), lines{"a"});
    EXPECT_EQ(split_lines("a\n"), lines{"a"});
    EXPECT_EQ(split_lines("a\n\nb"), (lines{"a", "", "b"}));
    EXPECT_EQ(split_lines("\n"), lines{""});
}

TEST(line_diff, same_lines_give_no_diff) {
    const auto a = numbered(5);
    auto edits = diff_lines(views(a), views(a));
    ASSERT_TRUE(edits);
    EXPECT_EQ(changes(*edits), 0u);
    EXPECT_EQ(unified_diff(views(a), views(a)), "");
    EXPECT_EQ(unified_diff({}, {}), "");
}

TEST(line_diff, scripts_are_shortest_on_random_inputs) {
    std::mt19937 random(13);
    for (int round = 0; round < 400; ++round) {
        std::vector<std::string> sa, sb;
        const int alphabet = 1 + static_cast<int>(random() % 4);
        for (int i = static_cast<int>(random() % 14); i > 0; --i)
            sa.push_back(std::string(1, static_cast<char>('a' + random() % alphabet)));
        for (int i = static_cast<int>(random() % 14); i > 0; --i)
            sb.push_back(std::string(1, static_cast<char>('a' + random() % alphabet)));
        const auto a = views(sa), b = views(sb);
        auto edits = diff_lines(a, b);
        ASSERT_TRUE(edits);
        expect_valid(a, b, *edits);
        // As `diff -u`: in each run of changes, the removed lines come first.
        for (std::size_t i = 1; i < edits->size(); ++i)
            EXPECT_FALSE((*edits)[i - 1].op == line_op::add && (*edits)[i].op == line_op::remove)
                << "round " << round;
        EXPECT_EQ(changes(*edits), a.size() + b.size() - 2 * lcs_length(a, b)) << "round " << round;
    }
}

TEST(line_diff, unified_hunk_has_three_lines_of_context) {
    auto a = numbered(10), b = a;
    b[4] = "LINE5";
    EXPECT_EQ(unified_diff(views(a), views(b)),
              "@@ -2,7 +2,7 @@\n line2\n line3\n line4\n-line5\n+LINE5\n line6\n line7\n line8\n");
}

TEST(line_diff, changes_far_apart_make_two_hunks_and_near_ones_one) {
    auto a = numbered(20), far = a, near = a;
    far[1] = "x", far[18] = "y";  // 16 equal lines between: two hunks
    EXPECT_EQ(unified_diff(views(a), views(far)),
              "@@ -1,5 +1,5 @@\n line1\n-line2\n+x\n line3\n line4\n line5\n"
              "@@ -16,5 +16,5 @@\n line16\n line17\n line18\n-line19\n+y\n line20\n");
    near[1] = "x", near[8] = "y";  // 6 equal lines between: one hunk
    const auto one = unified_diff(views(a), views(near));
    EXPECT_EQ(one.rfind("@@ -1,12 +1,12 @@\n", 0), 0u) << one;
    EXPECT_EQ(one.find("\n@@"), std::string::npos) << one;
}

TEST(line_diff, empty_ranges_name_the_line_before) {
    const std::vector<std::string> a{"a", "b"}, b{"a", "b", "c"};
    EXPECT_EQ(unified_diff(views(a), views(b)), "@@ -1,2 +1,3 @@\n a\n b\n+c\n");
    EXPECT_EQ(unified_diff({}, views(b)), "@@ -0,0 +1,3 @@\n+a\n+b\n+c\n");
    EXPECT_EQ(unified_diff(views(b), {}), "@@ -1,3 +0,0 @@\n-a\n-b\n-c\n");
    EXPECT_EQ(unified_diff(views(numbered(1)), views(numbered(1, "x"))),
              "@@ -1 +1 @@\n-line1\n+x1\n");
}

TEST(line_diff, sanitize_applies_to_every_shown_line) {
    const std::vector<std::string> a{"a\x1b"}, b{"b"};
    const auto out = unified_diff(views(a), views(b), 3, {}, [](std::string_view line) {
        std::string s(line);
        for (auto& c : s)
            if (c == '\x1b') c = '?';
        return s;
    });
    EXPECT_EQ(out, "@@ -1 +1 @@\n-a?\n+b\n");
}

TEST(line_diff, gives_up_past_the_edit_bound) {
    const auto a = numbered(30), b = numbered(30, "x");
    EXPECT_FALSE(diff_lines(views(a), views(b), {59, 50000}));  // 60 changes needed
    EXPECT_TRUE(diff_lines(views(a), views(b), {60, 50000}));
    EXPECT_EQ(unified_diff(views(a), views(b), 3, {10, 50000}),
              "outputs differ (30 vs 30 lines; too many changes to show)\n");
    // The length difference alone exceeds the bound: no search at all.
    EXPECT_FALSE(diff_lines(views(numbered(100)), {}, {99, 50000}));
}

TEST(line_diff, gives_up_past_the_line_bound_but_not_for_common_lines) {
    auto a = numbered(200), b = a;
    b[100] = "changed";
    // 198 lines in common at both ends: only one line each is searched.
    EXPECT_TRUE(diff_lines(views(a), views(b), {1000, 1}));
    b[0] = "changed too";
    EXPECT_FALSE(diff_lines(views(a), views(b), {1000, 50}));
}

TEST(line_diff, large_outputs_with_few_changes_and_hopeless_ones_stay_cheap) {
    auto a = numbered(50000), b = a;
    b[10] = "x", b[25000] = "y";
    b.insert(b.begin() + 40000, "z");
    auto edits = diff_lines(views(a), views(b));
    ASSERT_TRUE(edits);
    EXPECT_EQ(changes(*edits), 5u);
    // 50000 lines each, all different: the search stops after max_edits rounds.
    EXPECT_FALSE(diff_lines(views(numbered(50000)), views(numbered(50000, "x"))));
}

}  // namespace
