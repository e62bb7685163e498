#include "daemon/ssh/detail/host_key.hpp"

#include <algorithm>
#include <sstream>
#include <system_error>

#include <spdlog/spdlog.h>

#include "daemon/ssh/detail/handles.hpp"
#include "daemon/ssh/known_hosts.hpp"

namespace fanout::daemon::ssh {
namespace {

using protocol::error_kind;
using protocol::router_error;

std::string key_type_of_algorithm(const std::string& algorithm) {
    if (algorithm == "rsa-sha2-512" || algorithm == "rsa-sha2-256" || algorithm == "ssh-rsa")
        return "ssh-rsa";
    return algorithm;
}

std::string sha256_fingerprint(ssh_key key) {
    unsigned char* hash = nullptr;
    size_t length = 0;
    if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) != 0)
        return "SHA256:(unavailable)";
    c_string_ptr text(ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length));
    ssh_clean_pubkey_hash(&hash);
    return text ? std::string(text.get()) : std::string("SHA256:(unavailable)");
}

router_error host_key_error(std::string message) {
    return {error_kind::host_key, "host key verification failed: " + std::move(message)};
}

}  // namespace

std::string order_host_key_algorithms(const std::string& allowed,
                                      const std::vector<std::string>& known_types) {
    std::vector<std::string> algorithms;
    std::istringstream in(allowed);
    for (std::string name; std::getline(in, name, ',');)
        if (!name.empty()) algorithms.push_back(name);
    std::stable_partition(algorithms.begin(), algorithms.end(), [&](const std::string& name) {
        return std::find(known_types.begin(), known_types.end(), key_type_of_algorithm(name)) !=
               known_types.end();
    });
    std::string joined;
    for (const auto& name : algorithms) joined += (joined.empty() ? "" : ",") + name;
    return joined;
}

std::vector<std::string> known_key_types(const std::string& host,
                                         const transport_options& options) {
    if (options.host_keys == host_key_policy::off || options.known_hosts.empty()) return {};
    return known_hosts_file::shared(options.known_hosts)->key_types(host);
}

std::optional<router_error> verify_host_key(ssh_session session, const std::string& host,
                                            const transport_options& options) {
    ssh_key raw = nullptr;
    if (ssh_get_server_publickey(session, &raw) != SSH_OK)
        return host_key_error("could not read the host key of " + host + ": " +
                              last_error(session));
    key_ptr key(raw);
    const char* type_name = ssh_key_type_to_char(ssh_key_type(key.get()));
    std::string type = type_name ? type_name : "unknown";
    char* blob_raw = nullptr;
    if (ssh_pki_export_pubkey_base64(key.get(), &blob_raw) != SSH_OK)
        return host_key_error("could not encode the host key of " + host);
    c_string_ptr blob(blob_raw);
    std::string shown = type + " " + sha256_fingerprint(key.get());

    if (options.host_keys == host_key_policy::off) {
        spdlog::debug("{}: host key not checked (policy off): {}", host, shown);
        return std::nullopt;
    }
    if (options.known_hosts.empty())
        return host_key_error("no known_hosts file is configured to check " + host + " (" + shown +
                              ")");
    auto file = known_hosts_file::shared(options.known_hosts);
    const std::string where = file->path().string();
    auto verdict = file->check(host, blob.get());
    if (verdict == host_key_match::unknown && options.host_keys == host_key_policy::accept_new) {
        try {
            verdict = file->add(host, type, blob.get());
        } catch (const std::system_error& e) {
            return host_key_error("cannot record the new host key of " + host + " (" + shown +
                                  ") in " + where + ": " + e.what());
        }
        if (verdict == host_key_match::known)
            spdlog::debug("{}: new host key {} added to {}", host, shown, where);
    }
    switch (verdict) {
        case host_key_match::known:
            return std::nullopt;
        case host_key_match::unknown:
            return host_key_error("unknown host: " + host + " is not in " + where +
                                  " (server key " + shown + ")");
        case host_key_match::changed:
            return host_key_error("the host key of " + host + " has CHANGED: server key " + shown +
                                  " does not match the key recorded in " + where +
                                  " (possible man-in-the-middle; refusing to connect)");
        case host_key_match::revoked:
            return host_key_error("the host key of " + host + " (" + shown +
                                  ") is marked @revoked in " + where);
        case host_key_match::unreadable:
            return host_key_error("cannot check the host key of " + host + " (" + shown +
                                  "): " + where +
                                  " cannot be read (see fanoutd's log); refusing to connect");
    }
    return host_key_error("unexpected verdict for " + host);
}

}  // namespace fanout::daemon::ssh
