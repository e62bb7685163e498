// fanoutctl: the operator's command-line client for fanoutd. See cli.cpp for the commands.
#include "tools/fanoutctl/cli.hpp"

int main(int argc, char** argv) {
    return fanout::ctl::run_cli(argc, argv);
}
