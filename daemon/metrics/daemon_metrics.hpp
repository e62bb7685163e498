// fanoutd's event metrics: one process-wide set, recorded where events happen with one call.
//
// Contract:
// - Recording is off until enable() (fanoutd calls it for --metrics-listen): every record_*
//   function then costs one relaxed load and returns. On, each is a few relaxed atomic adds
//   (metric_types.hpp); none takes a lock once a label tuple has been seen (the first refusal
//   of a code, the first result of a status and kind take one, once).
// - Names follow Prometheus's conventions: the fanout_ prefix, _total counters, seconds and
//   bytes (docs/metrics.md lists each one). Label values come from closed sets (error codes,
//   statuses, error kinds, job states): never a router name, a command or anything secret.
// - The known label tuples start at zero (all statuses x kinds, all refusal codes, all job
//   states), so a rate() over them exists before the first event.
// - render() is the exposition of these metrics; the figures read at scrape time (queues,
//   workers, pool, process) are added by whoever owns those parts (daemon_metrics.cpp of the
//   daemon root).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fanout::metrics {

void enable();
bool enabled();

// api: a submit accepted as a new job (a resubmit of a known job is not counted again), and a
// submit refused with this error code (protocol::to_string(error_code)).
void record_job_accepted();
void record_job_refused(std::string_view code);
// publisher: a job's aggregate went out; state is "done" or "cancelled".
void record_job_ended(std::string_view state);
// publisher: one router result; kind is the error kind, "none" for a result without an error.
void record_router_result(std::string_view status, std::string_view kind, double seconds);
// workers: a router session opened (TCP connect, SSH handshake, authentication, retries
// included), or failed to open.
void record_session_open(double seconds, bool ok);
// publisher: a message handed to the PUB socket (withheld: without its output), or not
// published because subscribers held --results-buffer-bytes already.
void record_pub_sent(bool withheld);
void record_pub_dropped();
// journal: one fdatasync (and directory fsync) took this long; bytes appended to the journal.
void record_journal_sync(double seconds);
void record_journal_bytes(std::size_t bytes);

// The exposition of everything above.
std::string render();

}  // namespace fanout::metrics
