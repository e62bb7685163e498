#include "daemon/scheduling/job_digest.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace fanout::daemon {

std::string job_digest(const std::vector<std::string>& commands, bool single_command,
                       const std::vector<std::string>& routers, std::chrono::milliseconds timeout,
                       protocol::output_format format,
                       const protocol::execution_controls& controls) {
    // nlohmann::json keeps object keys sorted: the encoding is canonical.
    nlohmann::json canonical{{"commands", commands},
                             {"routers", routers},
                             {"single_command", single_command},
                             {"timeout_ms", timeout.count()}};
    if (format != protocol::output_format::text)
        canonical["format"] = std::string(protocol::to_string(format));
    if (controls.any()) {  // execution controls: only the ones set
        nlohmann::json set = nlohmann::json::object();
        if (controls.max_parallel) set["max_parallel"] = *controls.max_parallel;
        if (controls.stop_after_failures)
            set["stop_after_failures"] = *controls.stop_after_failures;
        if (controls.max_fail_percent) set["max_fail_percent"] = *controls.max_fail_percent;
        if (controls.canary) set["canary"] = *controls.canary;
        canonical["controls"] = std::move(set);
    }
    return digest_of_canonical(nlohmann::json::to_msgpack(canonical));
}

std::string digest_of_canonical(const std::vector<std::uint8_t>& bytes) {
    static const bool sodium_ready = sodium_init() >= 0;  // once, thread-safe; 1: already done
    if (!sodium_ready) throw std::runtime_error("libsodium could not be initialised");
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
