// The session pool's opener: a router's SSH (or NETCONF) session, dialled directly or run over
// a stream through its bastion chain (issue 12).
//
// Contract: each new router session first takes a slot of the daemon-wide --connect-rate
// limiter (unlimited by default; its connect retries are not counted again). A router without
// `jump` is opened as before (open_with_retries: ssh_connection::open with connect retries). A
// router with `jump` gets a stream from the hub and runs its own end-to-end session over it
// (ssh_connection::open with the stream as connected_socket): its own host key check,
// authentication and commands; the bastion sees only ciphertext. Retries follow connect_retry.hpp:
// a channel the bastion refused or timed out is retried like a refused TCP connect; a bastion
// failure (down, auth, host key: stage setup, the hub already retried and remembers it) is not
// retried per router. Router sessions through a bastion are pooled like any other; a dead bastion
// session ends their streams, so usable() turns false and the pool replaces them.
// Each open after the --connect-rate wait, retries included, is timed into
// fanout_session_connect_duration_seconds, or counted in fanout_session_connect_failures_total.
// Time (issue 13): the router_limits the pool passes give one time_budget for the whole open
// (time_budget.hpp), --connect-rate wait, bastion slot and channel, attempts and retries
// included; when it runs out the router fails with kind timeout naming it.
#pragma once

#include "daemon/jump/hub.hpp"
#include "daemon/jump/rate_limiter.hpp"
#include "daemon/ssh/session_pool.hpp"

namespace fanout::daemon {

// `bastions` and `connect_rate` must outlive the opener.
session_pool::opener routed_session_opener(transport_options options, jump::hub& bastions,
                                           jump::rate_limiter& connect_rate);

}  // namespace fanout::daemon
