// Terminal side effects of `run`: the live progress line and Ctrl-C handling.
//
// Contract: progress_line draws on stderr only when enabled (stderr is a TTY and the user did
// not opt out); clear() must be called before writing anything else to the terminal.
// The interrupt handler only counts SIGINTs; a second one ends the process at once (130).
#pragma once

#include <string>

namespace fanout::ctl {

class progress_line {
  public:
    explicit progress_line(bool enabled) : enabled_(enabled) {}
    ~progress_line() { clear(); }

    bool enabled() const { return enabled_; }
    void show(const std::string& text);  // redraws in place with '\r'
    void clear();

  private:
    bool enabled_;
    bool visible_ = false;
    std::string shown_;
};

bool stderr_is_terminal();

// Installs the SIGINT counter (without SA_RESTART, so blocking waits wake up).
void install_interrupt_handler();
// SIGINTs received since install_interrupt_handler().
int interrupt_count();

}  // namespace fanout::ctl
