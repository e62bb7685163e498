// Reading `--routers-file`: one router name per line, from a file or from stdin (`-`).
//
// Contract: parse_routers_file is pure. Names keep their first-seen order; duplicates are
// dropped because the protocol rejects them. A `#` at the start of a line or after a blank
// starts a comment that runs to the end of the line (so `r#1` is a name); blank lines are
// skipped. Names are taken as written: no node-set expansion.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace fanout::ctl {

std::vector<std::string> parse_routers_file(std::string_view contents);

struct routers_file_error {
    std::string message;  // names the file and the reason
};

// `-` reads stdin to its end.
std::variant<std::vector<std::string>, routers_file_error> read_routers_file(
    const std::string& path);

}  // namespace fanout::ctl
