#include "protocol/limits.hpp"

namespace fanout::protocol {

namespace {

bool job_id_of(std::string_view id, bool dots) {
    if (id.empty() || id.size() > max_job_id_bytes) return false;
    for (char c : id) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == ':' || c == '-' ||
                        (dots && c == '.');
        if (!ok) return false;
    }
    return true;
}

}  // namespace

bool is_valid_job_id(std::string_view id) {
    return job_id_of(id, false);
}

bool is_valid_job_id_to_look_up(std::string_view id) {
    return job_id_of(id, true);
}

}  // namespace fanout::protocol
