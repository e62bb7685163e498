// A small line-based diff (Myers' O((N+M)D) algorithm) and its unified-diff rendering, for
// `fanoutctl diff`. No Debian package offers one as a C++ library.
//
// Contract: pure, no I/O. split_lines cuts on '\n' (a final newline ends the last line, it
// does not start an empty one). diff_lines returns a shortest edit script turning `a` into
// `b`, in order, every line of both sides appearing once, removed lines before added ones in
// each run of changes (as `diff -u`); the common first and last lines are
// matched before the search. Its cost is bounded: it gives up (nullopt) when more than
// `limits.max_edits` lines differ, or when, after the common first and last lines, a side
// still has more than `limits.max_lines` lines; memory is O(max_edits^2) 32-bit numbers at
// most (4 MB with the defaults) and time O((N+M) * max_edits) line comparisons (lines are
// hashed once). unified_diff renders the script like `diff -u` (hunks with `context` lines
// around each change, `@@ -l,s +l,s @@` headers), lines passed through `sanitize` (e.g.
// terminal_safe); when diff_lines gives up it is the one line
// "outputs differ (N vs M lines; too many changes to show)".
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fanout::ctl {

struct diff_limits {
    std::size_t max_edits = 1000;   // lines removed + lines added
    std::size_t max_lines = 50000;  // per side, after the common first and last lines
};

enum class line_op { keep, remove, add };

struct line_edit {
    line_op op;
    std::size_t a_line;  // index into a (keep, remove); for add, the a line it comes before
    std::size_t b_line;  // index into b (keep, add); for remove, the b line it comes before
};

std::vector<std::string_view> split_lines(std::string_view text);

std::optional<std::vector<line_edit>> diff_lines(const std::vector<std::string_view>& a,
                                                 const std::vector<std::string_view>& b,
                                                 const diff_limits& limits = {});

// Empty when a and b hold the same lines.
std::string unified_diff(const std::vector<std::string_view>& a,
                         const std::vector<std::string_view>& b, std::size_t context = 3,
                         const diff_limits& limits = {},
                         const std::function<std::string(std::string_view)>& sanitize = {});

}  // namespace fanout::ctl
