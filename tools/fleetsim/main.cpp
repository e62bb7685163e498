// fleetsim: N fake Junos routers over real SSH in one process (see --help).
// Prints "ready <N> routers" on stdout once every listener is bound and the files are
// written; on SIGUSR1 prints "connections <C> netconf_sessions <S> netconf_rpcs <R>" (TCP
// connections accepted, netconf subsystem sessions started and <rpc>s received since start, so
// a test or benchmark can count the connects and sessions a client made; readers of the first
// number alone still work); exits 0 on SIGTERM or SIGINT.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <exception>

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
            std::printf("connections %llu netconf_sessions %llu netconf_rpcs %llu\n",
                        static_cast<unsigned long long>(fleet.connections_accepted()),
                        static_cast<unsigned long long>(fleet.netconf_sessions()),
                        static_cast<unsigned long long>(fleet.netconf_rpcs()));
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
