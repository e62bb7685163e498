// Client-side job ids, so fanoutctl can subscribe to a job's topics before submitting it.
//
// Contract: make_job_id is pure and always returns an id of 1-64 chars of [A-Za-z0-9_:-]
// (the protocol's job_id charset for submit: no dot), whatever the hostname contains.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fanout::ctl {

// `ctl-<host>-<pid>-<unix_ms>`; the hostname is reduced to the charset (its dots become `-`) and
// shortened to fit.
std::string make_job_id(std::string_view hostname, std::int64_t pid, std::int64_t unix_ms);

// make_job_id for this process, now.
std::string generate_job_id();

}  // namespace fanout::ctl
