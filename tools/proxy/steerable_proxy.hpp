// One zmq_proxy_steerable device on its own thread: a frontend/backend socket pair plus an
// inproc PAIR control socket, all owned here.
//
// Contract:
// - The constructor takes two sockets already set up and bound (so a bind error surfaces
//   before "ready") and starts the thread; from then on only that thread touches them.
// - stop() sends TERMINATE on the control socket and joins; the destructor calls it. The
//   sockets close on the proxy thread, each with the linger its owner set.
// - An unexpected zmq error ends the device; failed() tells, and the error is logged.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include <zmq.hpp>

namespace fanout::proxy {

class steerable_proxy {
  public:
    steerable_proxy(zmq::context_t& context, std::string name, zmq::socket_t frontend,
                    zmq::socket_t backend);
    steerable_proxy(const steerable_proxy&) = delete;
    steerable_proxy& operator=(const steerable_proxy&) = delete;
    ~steerable_proxy();

    void stop();
    bool failed() const { return failed_; }

  private:
    void run();

    std::string name_;
    std::string control_endpoint_;
    zmq::socket_t frontend_, backend_, control_;  // control_: the proxy thread's end
    zmq::socket_t command_;                       // the stopping thread's end
    std::atomic<bool> failed_{false};
    bool stopped_ = false;
    std::thread thread_;  // last: starts after, joins before, the sockets it uses
};

}  // namespace fanout::proxy
