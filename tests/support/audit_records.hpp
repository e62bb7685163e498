// The records of an audit file (--audit-log, docs/audit.md) as JSON, for the audit tests.
//
// Contract: records_of() parses every line of the file (throws on a line that is not JSON; an
// absent file has none); records_for() keeps those of one event and job id, in file order.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fanout::testing {

inline std::vector<nlohmann::json> records_of(const std::string& path) {
    std::vector<nlohmann::json> out;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
}

inline std::vector<nlohmann::json> records_for(const std::vector<nlohmann::json>& records,
                                               const std::string& event,
                                               const std::string& job_id) {
    std::vector<nlohmann::json> out;
    for (const auto& r : records)
        if (r.value("event", "") == event && r.value("job_id", std::string()) == job_id)
            out.push_back(r);
    return out;
}

}  // namespace fanout::testing
