#include "daemon/workers/worker_pool.hpp"

#include <spdlog/spdlog.h>

#include "daemon/workers/serve.hpp"

namespace fanout::daemon {

using serving::failed_result;
using std::chrono::steady_clock;
using std::chrono::system_clock;

worker_pool::worker_pool(std::size_t workers, scheduler& tasks, session_pool& sessions)
    : tasks_(tasks), sessions_(sessions), size_(workers) {
    threads_.reserve(workers);
    try {
        for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { run(); });
    } catch (...) {
        stop();  // join the threads already started, or their destructors would terminate
        throw;
    }
}

worker_pool::~worker_pool() {
    stop();
}

void worker_pool::stop() {
    tasks_.shutdown();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
}

void worker_pool::run() {
    while (auto task = tasks_.next_task()) {
        ++busy_;
        try {
            serve(*task, tasks_, sessions_);
        } catch (const std::exception& e) {
            spdlog::error("job {} router {}: unexpected error: {}", task->owner->id,
                          task->target().name, e.what());
            // Whatever the worker had not recorded yet still gets a result.
            auto now = system_clock::now();
            tasks_.record_missing(*task, failed_result({protocol::error_kind::internal, e.what()},
                                                       now, steady_clock::now()));
        }
        tasks_.task_finished(*task);
        --busy_;
    }
}

}  // namespace fanout::daemon
