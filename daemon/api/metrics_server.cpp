#include "daemon/api/metrics_server.hpp"

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <httplib.h>
#include <sys/socket.h>

#include "daemon/metrics/exposition.hpp"

namespace fanout::daemon {

bool listen_address::loopback() const {
    return host.rfind("127.", 0) == 0 || host == "localhost" || host == "::1";
}

std::optional<listen_address> parse_listen_address(const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return std::nullopt;
    std::string host = text.substr(0, colon);
    const std::string port = text.substr(colon + 1);
    if (host.front() == '[') {
        if (host.size() < 3 || host.back() != ']') return std::nullopt;
        host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string::npos) {
        return std::nullopt;  // IPv6 needs brackets: [::1]:9464
    }
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    const int number = std::stoi(port);
    if (number > 65535) return std::nullopt;
    return listen_address{host, number};
}

namespace {

// httplib's TaskQueue with both bounds: `threads` handlers, at most `limit` waiting
// connections; enqueue (the accept loop) blocks while the queue is full.
class bounded_queue final : public httplib::TaskQueue {
  public:
    bounded_queue(std::size_t threads, std::size_t limit) : limit_(limit) {
        for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
    }
    ~bounded_queue() override { shutdown(); }

    void enqueue(std::function<void()> fn) override {
        std::unique_lock guard(mutex_);
        room_.wait(guard, [this] { return stopping_ || jobs_.size() < limit_; });
        jobs_.push_back(std::move(fn));  // also when stopping: the handlers drain it
        work_.notify_one();
    }

    void shutdown() override {
        {
            std::lock_guard guard(mutex_);
            stopping_ = true;
        }
        work_.notify_all();
        room_.notify_all();
        for (auto& t : threads_)
            if (t.joinable()) t.join();
    }

  private:
    void run() {
        for (;;) {
            std::function<void()> fn;
            {
                std::unique_lock guard(mutex_);
                work_.wait(guard, [this] { return stopping_ || !jobs_.empty(); });
                if (jobs_.empty()) return;
                fn = std::move(jobs_.front());
                jobs_.pop_front();
            }
            room_.notify_one();
            fn();  // serves one connection and closes it
        }
    }

    const std::size_t limit_;
    std::mutex mutex_;
    std::condition_variable work_, room_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

void answer(httplib::Response& response, const std::optional<std::string>& problem,
            const char* fine) {
    response.status = problem ? 503 : 200;
    response.set_content(problem ? *problem + "\n" : std::string(fine) + "\n", "text/plain");
}

}  // namespace

struct metrics_server::impl {
    httplib::Server server;
    std::atomic<bool> listen_returned{false};
    std::thread listener;
};

metrics_server::metrics_server(const listen_address& where, metrics_probes probes,
                               metrics_server_limits limits)
    : impl_(std::make_unique<impl>()) {
    auto& server = impl_->server;
    // cpp-httplib's default sets SO_REUSEPORT: a second fanoutd on the same port would share it
    // silently, and scrapes would reach either. SO_REUSEADDR only: the second one fails to bind.
    server.set_socket_options([](socket_t sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    server.new_task_queue = [limits] { return new bounded_queue(limits.threads, limits.queue); };
    server.set_read_timeout(limits.read_timeout);
    server.set_write_timeout(limits.write_timeout);
    server.set_payload_max_length(limits.max_body_bytes);
    server.set_keep_alive_max_count(limits.keep_alive_requests);
    server.set_keep_alive_timeout(limits.read_timeout.count());
    server.Get("/metrics", [render = probes.render](const httplib::Request&, httplib::Response& r) {
        r.set_content(render(), std::string(metrics::content_type));
    });
    server.Get("/healthz",
               [check = probes.unhealthy](const httplib::Request&, httplib::Response& r) {
                   answer(r, check(), "ok");
               });
    server.Get("/readyz",
               [check = probes.not_ready](const httplib::Request&, httplib::Response& r) {
                   answer(r, check(), "ready");
               });
    errno = 0;
    port_ = where.port == 0 ? server.bind_to_any_port(where.host)
                            : (server.bind_to_port(where.host, where.port) ? where.port : -1);
    const int why = errno;  // bind(2)'s, when that is what failed (cpp-httplib keeps it)
    if (port_ <= 0)
        throw std::runtime_error("--metrics-listen: cannot listen on " + where.host + ":" +
                                 std::to_string(where.port) +
                                 (why != 0 ? std::string(": ") + std::strerror(why) : ""));
    impl_->listener = std::thread([this] {
        impl_->server.listen_after_bind();
        impl_->listen_returned = true;
    });
    // stop() only reaches a server that runs: wait for the accept loop to start (or fail).
    while (!impl_->server.is_running() && !impl_->listen_returned)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

metrics_server::~metrics_server() {
    stop();
}

void metrics_server::stop() {
    if (!impl_->listener.joinable()) return;
    impl_->server.stop();
    impl_->listener.join();
}

}  // namespace fanout::daemon
