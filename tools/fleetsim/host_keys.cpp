#include "tools/fleetsim/host_keys.hpp"

#include <stdexcept>

namespace fanout::fleetsim {
namespace {

constexpr const char* key_exchange =
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
    "ecdh-sha2-nistp521,diffie-hellman-group14-sha256";
constexpr const char* ciphers =
    "aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr,"
    "aes256-ctr";
constexpr const char* macs = "hmac-sha2-256-etm@openssh.com,hmac-sha2-256,hmac-sha2-512";

void set_bind_option(ssh_bind bind, ssh_bind_options_e option, const void* value,
                     const char* name) {
    if (ssh_bind_options_set(bind, option, value) != SSH_OK) {
        throw std::runtime_error(std::string("fleetsim: cannot set ssh_bind option ") + name +
                                 ": " + ssh_get_error(bind));
    }
}

}  // namespace

key_ptr generate_ed25519() {
    ssh_key key = nullptr;
    if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK || key == nullptr) {
        throw std::runtime_error("fleetsim: cannot generate an ed25519 key");
    }
    return key_ptr(key);
}

std::string public_key_line(ssh_key key) {
    char* base64 = nullptr;
    if (ssh_pki_export_pubkey_base64(key, &base64) != SSH_OK || base64 == nullptr) {
        throw std::runtime_error("fleetsim: cannot export a public key");
    }
    ssh_text_ptr owned(base64);
    return std::string(ssh_key_type_to_char(ssh_key_type(key))) + " " + owned.get();
}

std::string private_key_text(ssh_key key) {
    char* text = nullptr;
    if (ssh_pki_export_privkey_base64(key, nullptr, nullptr, nullptr, &text) != SSH_OK ||
        text == nullptr) {
        throw std::runtime_error("fleetsim: cannot export a private key");
    }
    ssh_text_ptr owned(text);
    std::string out = owned.get();
    if (!out.empty() && out.back() != '\n') out += '\n';
    return out;
}

bind_ptr make_server_bind(ssh_key host_key) {
    bind_ptr bind(ssh_bind_new());
    if (!bind) throw std::runtime_error("fleetsim: ssh_bind_new failed");
    const bool process_config = false;  // never read /etc/ssh/libssh_server_config
    set_bind_option(bind.get(), SSH_BIND_OPTIONS_PROCESS_CONFIG, &process_config, "PROCESS_CONFIG");
    set_bind_option(bind.get(), SSH_BIND_OPTIONS_KEY_EXCHANGE, key_exchange, "KEY_EXCHANGE");
    set_bind_option(bind.get(), SSH_BIND_OPTIONS_CIPHERS_C_S, ciphers, "CIPHERS_C_S");
    set_bind_option(bind.get(), SSH_BIND_OPTIONS_CIPHERS_S_C, ciphers, "CIPHERS_S_C");
    set_bind_option(bind.get(), SSH_BIND_OPTIONS_HMAC_C_S, macs, "HMAC_C_S");
    set_bind_option(bind.get(), SSH_BIND_OPTIONS_HMAC_S_C, macs, "HMAC_S_C");
    set_bind_option(bind.get(), SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS, "ssh-ed25519",
                    "HOSTKEY_ALGORITHMS");
    // IMPORT_KEY takes ownership of the key it is given, so hand it a copy.
    key_ptr copy(ssh_key_dup(host_key));
    if (!copy) throw std::runtime_error("fleetsim: ssh_key_dup failed");
    set_bind_option(bind.get(), SSH_BIND_OPTIONS_IMPORT_KEY, copy.get(), "IMPORT_KEY");
    copy.release();
    return bind;
}

}  // namespace fanout::fleetsim
