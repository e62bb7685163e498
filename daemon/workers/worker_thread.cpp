#include "daemon/workers/worker_thread.hpp"

#include <exception>
#include <memory>
#include <system_error>

namespace fanout::daemon {
namespace {

void* thread_main(void* argument) {
    std::unique_ptr<std::function<void()>> body(static_cast<std::function<void()>*>(argument));
    (*body)();  // the pool's body catches everything; an escape terminates, as std::thread
    return nullptr;
}

}  // namespace

worker_thread::worker_thread(std::function<void()> body, std::size_t stack_bytes) {
    auto owned = std::make_unique<std::function<void()>>(std::move(body));
    pthread_attr_t attributes;
    if (int rc = pthread_attr_init(&attributes); rc != 0)
        throw std::system_error(rc, std::generic_category(), "pthread_attr_init");
    int rc = pthread_attr_setstacksize(&attributes, stack_bytes);
    if (rc == 0) rc = pthread_create(&thread_, &attributes, &thread_main, owned.get());
    pthread_attr_destroy(&attributes);
    if (rc != 0) throw std::system_error(rc, std::generic_category(), "cannot start a worker");
    owned.release();  // the thread owns it now
    started_ = true;
}

worker_thread::worker_thread(worker_thread&& other) noexcept
    : thread_(other.thread_), started_(other.started_) {
    other.started_ = false;
}

worker_thread::~worker_thread() {
    if (started_) std::terminate();
}

void worker_thread::join() {
    if (!started_) return;
    pthread_join(thread_, nullptr);
    started_ = false;
}

}  // namespace fanout::daemon
