// Canned Junos CLI behaviour of a fake router: what it prints for a command (with the
// `| display xml`, `| display json` and `| no-more` pipes), its errors, and the filler text of
// the huge_output and slow_trickle faults.
//
// Contract: pure functions of their arguments (plus the wall clock for timestamps); no I/O.
// Known commands: "show version", "show interfaces terse", "show system uptime", "show route
// summary", matched after whitespace normalisation. Anything else gets a Junos-style error on
// stdout and exit status 1, whatever the pipes. `| display xml|json` print the documents of
// junos_documents.hpp, the same ones NETCONF serves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tools/fleetsim/junos_facts.hpp"

namespace fanout::fleetsim {

struct cli_answer {
    std::string output;  // what the router writes to stdout
    int exit_status = 0;
};

enum class output_format { text, xml, json };

// A command with its pipes taken off: "show version | display json | no-more" is
// {"show version", json}. A pipe fleetsim does not know stays part of the command.
struct cli_request {
    std::string command;
    output_format format = output_format::text;
};
cli_request parse_cli_request(std::string_view command);

// Trims and collapses runs of whitespace to single spaces.
std::string normalise_command(std::string_view command);

cli_answer answer_command(std::string_view command, const router_identity& router);

// The text of a known command (no pipes, normalised), or nothing.
std::optional<std::string> command_text(std::string_view command, const router_identity& router);

// Why a command is refused, as Junos says it: the message without "error: ", and the word it
// stumbled on (NETCONF's <bad-element>).
struct command_error {
    std::string message;
    std::string bad_element;
};
command_error error_of(std::string_view command);

// A block of realistic syslog lines (about `size` bytes, whole lines) to repeat for huge output.
std::string log_block(std::string_view hostname, std::size_t size);

// One syslog-style line (ending in '\n') for slow_trickle; `sequence` numbers the lines.
std::string trickle_line(std::string_view hostname, std::uint64_t sequence);

// The warning the stderr_output fault writes to stderr.
std::string_view stderr_warning();

}  // namespace fanout::fleetsim
