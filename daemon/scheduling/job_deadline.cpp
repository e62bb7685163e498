#include "daemon/scheduling/job_deadline.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "daemon/scheduling/job_digest.hpp"

namespace fanout::daemon {

std::optional<std::chrono::milliseconds> deadline_of(std::optional<double> seconds) {
    if (!seconds) return std::nullopt;
    return std::max(std::chrono::milliseconds(1), std::chrono::ceil<std::chrono::milliseconds>(
                                                      std::chrono::duration<double>(*seconds)));
}

std::string digest_with_deadline(std::string digest,
                                 std::optional<std::chrono::milliseconds> deadline) {
    if (!deadline) return digest;
    const nlohmann::json canonical{{"base", digest}, {"deadline_ms", deadline->count()}};
    return digest_of_canonical(nlohmann::json::to_msgpack(canonical));
}

}  // namespace fanout::daemon
