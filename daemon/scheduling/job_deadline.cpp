#include "daemon/scheduling/job_deadline.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <stdexcept>

#include <nlohmann/json.hpp>

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
    static const bool sodium_ready = sodium_init() >= 0;
    if (!sodium_ready) throw std::runtime_error("libsodium could not be initialised");
    const auto bytes = nlohmann::json::to_msgpack(canonical);
    std::array<unsigned char, 16> hash{};
    if (crypto_generichash(hash.data(), hash.size(), bytes.data(), bytes.size(), nullptr, 0) != 0)
        throw std::runtime_error("crypto_generichash failed");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(hash.size() * 2);
    for (unsigned char b : hash) {
        out.push_back(hex[b >> 4]);
        out.push_back(hex[b & 0xf]);
    }
    return out;
}

}  // namespace fanout::daemon
