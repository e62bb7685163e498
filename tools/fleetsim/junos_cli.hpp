// Canned Junos CLI behaviour of a fake router: what it prints for a command, and the filler
// text of the huge_output and slow_trickle faults.
//
// Contract: pure functions of their arguments (plus the wall clock for timestamps); no I/O.
// Known commands: "show version", "show interfaces terse", "show system uptime", matched
// after whitespace normalisation, with an optional trailing "| no-more". Anything else gets
// a Junos-style error on stdout and exit status 1.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fanout::fleetsim {

struct cli_answer {
    std::string output;  // what the router writes to stdout
    int exit_status = 0;
};

// Trims and collapses runs of whitespace to single spaces.
std::string normalise_command(std::string_view command);

// `hostname` is the router's name; `index` (1-based) varies addresses and uptimes.
cli_answer answer_command(std::string_view command, std::string_view hostname, int index);

// A block of realistic syslog lines (about `size` bytes, whole lines) to repeat for huge output.
std::string log_block(std::string_view hostname, std::size_t size);

// One syslog-style line (ending in '\n') for slow_trickle; `sequence` numbers the lines.
std::string trickle_line(std::string_view hostname, std::uint64_t sequence);

// The warning the stderr_output fault writes to stderr.
std::string_view stderr_warning();

}  // namespace fanout::fleetsim
