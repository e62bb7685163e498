// fanoutctl's command line: CLI11 definitions, help texts and dispatch.
//
// Contract: run_cli parses argv and runs the chosen subcommand; returns the exit code
// (--help and --version: 0; any parse error: 2 after CLI11's message).
#pragma once

namespace fanout::ctl {

int run_cli(int argc, char** argv);

}  // namespace fanout::ctl
