// A joinable thread with a small, explicit stack, for the worker pool (std::thread cannot
// set a stack size; glibc's default is 8 MiB of address space per thread).
//
// Contract: like std::thread for what the pool uses: construction starts `body` (throws
// std::system_error when the thread cannot be created), join() waits for it, and a joinable
// thread must be joined before it is destroyed (else std::terminate, as std::thread).
// worker_stack_bytes is 256 KiB: libssh connect, key exchange (up to 8192-bit
// diffie-hellman-group18), authentication and commands also passed with 64 KiB. Sanitizer
// builds get 4 MiB because AddressSanitizer's redzones make every frame larger (256 KiB still
// passed the connection tests under ASan; the rest is margin for paths they do not reach).
#pragma once

#include <pthread.h>

#include <cstddef>
#include <functional>

namespace fanout::daemon {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr std::size_t worker_stack_bytes = 4 * 1024 * 1024;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr std::size_t worker_stack_bytes = 4 * 1024 * 1024;
#else
inline constexpr std::size_t worker_stack_bytes = 256 * 1024;
#endif
#else
inline constexpr std::size_t worker_stack_bytes = 256 * 1024;
#endif

class worker_thread {
  public:
    explicit worker_thread(std::function<void()> body,
                           std::size_t stack_bytes = worker_stack_bytes);
    worker_thread(worker_thread&& other) noexcept;
    worker_thread& operator=(worker_thread&&) = delete;
    worker_thread(const worker_thread&) = delete;
    ~worker_thread();

    bool joinable() const { return started_; }
    void join();

  private:
    pthread_t thread_{};
    bool started_ = false;
};

}  // namespace fanout::daemon
