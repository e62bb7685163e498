// fleetsim: N fake Junos routers over real SSH in one process (see --help).
// Prints "ready <N> routers" on stdout once every listener is bound and the files are
// written; on SIGUSR1 prints "connections <C> netconf_sessions <S> netconf_rpcs <R>" (TCP
// connections accepted, netconf subsystem sessions started and <rpc>s received since start, so
// a test or benchmark can count the connects and sessions a client made; readers of the first
// number alone still work); with --bastions K it appends
// "bastion_connections <TC> bastion_sessions <TS> bastion_channels <TH> bastion_channels_open
// <TO>" (totals over the K bastions: TCP connections accepted, authenticated sessions,
// direct-tcpip channels opened, channels open now) and then, per bastion J,
// "bastionJ.connections <C> bastionJ.sessions <S> bastionJ.channels <H> bastionJ.channels_open
// <O>" (every line is "name value" pairs), and last " exec_running <N> exec_peak <P>" (exec
// commands being answered now, and the most at once since start, over all routers: a client's
// real concurrency); exits 0 on SIGTERM or SIGINT.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "tools/fleetsim/fleet.hpp"
#include "tools/fleetsim/options.hpp"

namespace {

void raise_file_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

// " bastion_connections .. bastion_channels_open .." totals, then each bastion's own; "" with
// no bastions.
std::string bastion_fields(const std::vector<fanout::fleetsim::bastion_count>& counts) {
    if (counts.empty()) return "";
    fanout::fleetsim::bastion_count total;
    std::string each;
    for (const auto& c : counts) {
        total.connections += c.connections;
        total.sessions += c.sessions;
        total.channels += c.channels;
        total.channels_open += c.channels_open;
        each += " " + c.name + ".connections " + std::to_string(c.connections) + " " + c.name +
                ".sessions " + std::to_string(c.sessions) + " " + c.name + ".channels " +
                std::to_string(c.channels) + " " + c.name + ".channels_open " +
                std::to_string(c.channels_open);
    }
    return " bastion_connections " + std::to_string(total.connections) + " bastion_sessions " +
           std::to_string(total.sessions) + " bastion_channels " + std::to_string(total.channels) +
           " bastion_channels_open " + std::to_string(total.channels_open) + each;
}

}  // namespace

int main(int argc, char** argv) {
    auto parsed = fanout::fleetsim::parse_options(argc, argv);
    if (!parsed.options) return parsed.exit_code;
    const int routers = parsed.options->routers;

    raise_file_limit();
    ::signal(SIGPIPE, SIG_IGN);
    // A shell's background job inherits SIGINT as ignored; fleetsim must still stop on it.
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    // Blocked before any thread starts, so only sigwait() below ever sees them.
    sigset_t handled_signals;
    sigemptyset(&handled_signals);
    sigaddset(&handled_signals, SIGTERM);
    sigaddset(&handled_signals, SIGINT);
    sigaddset(&handled_signals, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &handled_signals, nullptr);

    try {
        fanout::fleetsim::fleet fleet(std::move(*parsed.options));
        fleet.start();
        std::printf("ready %d routers\n", routers);
        std::fflush(stdout);

        int signal_number = 0;
        while (sigwait(&handled_signals, &signal_number) == 0 && signal_number == SIGUSR1) {
            std::string line = "connections " + std::to_string(fleet.connections_accepted()) +
                               " netconf_sessions " + std::to_string(fleet.netconf_sessions()) +
                               " netconf_rpcs " + std::to_string(fleet.netconf_rpcs());
            line += bastion_fields(fleet.bastion_counts());
            line += " exec_running " + std::to_string(fleet.execs_running()) + " exec_peak " +
                    std::to_string(fleet.execs_peak()) + "\n";
            std::fwrite(line.data(), 1, line.size(), stdout);
            std::fflush(stdout);
        }
        if (!fleet.stop()) {
            // Some connection thread did not finish in time: leave without destructors.
            std::fflush(stdout);
            ::_exit(0);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}
