// Router text made fit for a terminal: control characters neutralised, split into lines.
//
// Contract: pure. terminal_safe shows every control character other than tab (and DEL) as
// '?', so a router cannot move the cursor or recolour the operator's terminal. lines_of splits
// on '\n', drops a trailing '\r' and trailing blanks from each line, and drops leading and
// trailing blank lines; the views point into `text`. join puts a separator between items.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fanout::ctl {

std::string terminal_safe(std::string_view text);
std::string_view trim_right(std::string_view s);
std::vector<std::string_view> lines_of(std::string_view text);

// The items with `separator` between them.
std::string join(const std::vector<std::string>& items, std::string_view separator);

}  // namespace fanout::ctl
