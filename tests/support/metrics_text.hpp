// Reading fanoutd's /metrics in tests: samples by their full series text, and an HTTP GET
// with a deadline (cpp-httplib's client).
//
// Contract: samples_of() maps `name{labels}` exactly as exposed (or `name` without labels) to
// its value, skipping # lines; http_get() returns status and body, or status 0 when nothing
// answered within the timeout.
#pragma once

#include <httplib.h>

#include <chrono>
#include <map>
#include <sstream>
#include <string>

namespace fanout::testing {

inline std::map<std::string, double> samples_of(const std::string& text) {
    std::map<std::string, double> samples;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] == '#') continue;
        const auto blank = line.rfind(' ');
        samples[line.substr(0, blank)] = std::stod(line.substr(blank + 1));
    }
    return samples;
}

struct http_answer {
    int status = 0;
    std::string body;
};

inline http_answer http_get(int port, const std::string& path,
                            std::chrono::seconds timeout = std::chrono::seconds(30)) {
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(timeout);
    client.set_read_timeout(timeout);
    auto answer = client.Get(path);
    if (!answer) return {};
    return {answer->status, answer->body};
}

}  // namespace fanout::testing
