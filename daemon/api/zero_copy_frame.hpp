// Sending a shared byte string as one ZeroMQ frame without copying it, optionally accounted
// in a send_budget.
//
// Contract: ZeroMQ keeps a reference to `bytes` until it has written the frame out or dropped
// it (a failed or refused send included); then, when `budget` is set, it releases
// bytes->size() for `peer`, which the caller reserved before. So a budget's held bytes are
// exactly what ZeroMQ still holds. The budget is shared because ZeroMQ may let go of a frame
// after the socket's owner is gone (linger). Returns what socket_t::send returns (empty when
// a dontwait send would block); throws zmq::error_t as send does (e.g. an unroutable peer
// with ZMQ_ROUTER_MANDATORY).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <zmq.hpp>

#include "daemon/api/send_budget.hpp"

namespace fanout::daemon {

// The frame send_zero_copy sends, for callers that must own it before sending anything
// else: destroying it unsent releases the reservation too.
zmq::message_t zero_copy_frame(const std::shared_ptr<const std::string>& bytes,
                               const std::shared_ptr<send_budget>& budget = nullptr,
                               const std::string& peer = {});

zmq::send_result_t send_zero_copy(zmq::socket_t& socket,
                                  const std::shared_ptr<const std::string>& bytes,
                                  zmq::send_flags flags,
                                  const std::shared_ptr<send_budget>& budget = nullptr,
                                  const std::string& peer = {});

}  // namespace fanout::daemon
