#include "protocol/limits.hpp"

namespace fanout::protocol {

bool is_valid_job_id(std::string_view id) {
    if (id.empty() || id.size() > max_job_id_bytes) return false;
    for (char c : id) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok) return false;
    }
    return true;
}

}  // namespace fanout::protocol
