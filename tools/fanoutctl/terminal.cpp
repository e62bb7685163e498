#include "tools/fanoutctl/terminal.hpp"

#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

namespace fanout::ctl {
namespace {

volatile std::sig_atomic_t interrupts = 0;

void on_interrupt(int) {
    interrupts = interrupts + 1;
    if (interrupts >= 2) {
        static const char message[] = "\nfanoutctl: interrupted again, quitting\n";
        [[maybe_unused]] auto ignored = write(STDERR_FILENO, message, sizeof message - 1);
        _exit(130);
    }
}

}  // namespace

void progress_line::show(const std::string& text) {
    if (!enabled_ || (visible_ && text == shown_)) return;
    shown_ = text;
    // \x1b[K erases what a longer previous line left to the right of the cursor.
    std::fprintf(stderr, "\r%s\x1b[K", text.c_str());
    std::fflush(stderr);
    visible_ = true;
}

void progress_line::clear() {
    if (!visible_) return;
    std::fputs("\r\x1b[K", stderr);
    std::fflush(stderr);
    visible_ = false;
}

bool stderr_is_terminal() {
    return isatty(STDERR_FILENO) == 1;
}

void install_interrupt_handler() {
    struct sigaction action = {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    sigaction(SIGINT, &action, nullptr);
}

int interrupt_count() {
    return static_cast<int>(interrupts);
}

}  // namespace fanout::ctl
