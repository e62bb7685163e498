#include "tools/fleetsim/router_auth.hpp"

#include <libssh/server.h>

#include <string>

#include "tools/fleetsim/ssh_handles.hpp"

namespace fanout::fleetsim {
namespace {

// OpenSSH's MaxAuthTries is 6; a few more keeps clients that probe several keys working.
constexpr int max_auth_failures = 10;

// libssh 0.10 deprecates these accessors in favour of server callbacks, but keyboard-interactive
// exists only in the message API and the two do not mix (with callbacks set, messages are
// answered by default instead of queued).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
const char* message_password(ssh_message msg) {
    return ssh_message_auth_password(msg);
}
ssh_key message_pubkey(ssh_message msg) {
    return ssh_message_auth_pubkey(msg);
}
ssh_publickey_state_e message_pubkey_state(ssh_message msg) {
    return ssh_message_auth_publickey_state(msg);
}
#pragma GCC diagnostic pop

bool matches(const char* given, const std::string& expected) {
    return given != nullptr && expected == given;
}

class auth_exchange {
  public:
    auth_exchange(ssh_session session, const router_spec& router, const server_settings& settings)
        : session_(session), router_(router), settings_(settings) {}

    // True: authenticated; false: rejected (a failure reply was sent).
    bool handle(ssh_message msg) {
        if (router_.fault == fault_kind::auth_fail) return reject(msg);
        switch (ssh_message_subtype(msg)) {
            case SSH_AUTH_METHOD_PASSWORD:
                if (router_.key_auth || router_.fault == fault_kind::kbdint_only) {
                    return reject(msg);
                }
                if (matches(ssh_message_auth_user(msg), settings_.username) &&
                    matches(message_password(msg), settings_.password)) {
                    return accept(msg, "password");
                }
                return reject(msg);
            case SSH_AUTH_METHOD_INTERACTIVE:
                if (router_.key_auth) return reject(msg);
                return keyboard_interactive(msg);
            case SSH_AUTH_METHOD_PUBLICKEY:
                if (!router_.key_auth) return reject(msg);
                return publickey(msg);
            default:
                ssh_message_reply_default(msg);
                return false;
        }
    }

    int failures() const { return failures_; }

  private:
    bool keyboard_interactive(ssh_message msg) {
        if (!ssh_message_auth_kbdint_is_response(msg)) {
            const char* user = ssh_message_auth_user(msg);
            kbdint_user_ = user != nullptr ? user : "";
            const char* prompts[] = {"Password:"};
            char echo[] = {0};
            ssh_message_auth_interactive_request(msg, "", "", 1, prompts, echo);
            return false;
        }
        if (kbdint_user_ == settings_.username && ssh_userauth_kbdint_getnanswers(session_) == 1 &&
            matches(ssh_userauth_kbdint_getanswer(session_, 0), settings_.password)) {
            return accept(msg, "keyboard-interactive");
        }
        return reject(msg);
    }

    bool publickey(ssh_message msg) {
        ssh_key offered = message_pubkey(msg);
        if (settings_.client_public == nullptr || offered == nullptr ||
            !matches(ssh_message_auth_user(msg), settings_.username) ||
            ssh_key_cmp(offered, settings_.client_public, SSH_KEY_CMP_PUBLIC) != 0) {
            return reject(msg);
        }
        switch (message_pubkey_state(msg)) {
            case SSH_PUBLICKEY_STATE_NONE:
                ssh_message_auth_reply_pk_ok_simple(msg);
                return false;
            case SSH_PUBLICKEY_STATE_VALID:
                return accept(msg, "publickey");
            default:
                return reject(msg);
        }
    }

    bool accept(ssh_message msg, std::string_view method) {
        ssh_message_auth_reply_success(msg, 0);
        log_event(settings_, router_.name, "authenticated by " + std::string(method));
        return true;
    }

    bool reject(ssh_message msg) {
        ++failures_;
        ssh_message_reply_default(msg);
        return false;
    }

    ssh_session session_;
    const router_spec& router_;
    const server_settings& settings_;
    std::string kbdint_user_;
    int failures_ = 0;
};

}  // namespace

int auth_methods_for(const router_spec& router) {
    if (router.key_auth) return SSH_AUTH_METHOD_PUBLICKEY;
    if (router.fault == fault_kind::kbdint_only) return SSH_AUTH_METHOD_INTERACTIVE;
    return SSH_AUTH_METHOD_PASSWORD | SSH_AUTH_METHOD_INTERACTIVE;
}

bool authenticate(ssh_session session, const router_spec& router, const server_settings& settings) {
    auth_exchange exchange(session, router, settings);
    while (!settings.stopping->load()) {
        message_ptr msg(ssh_message_get(session));
        if (!msg) return false;
        if (ssh_message_type(msg.get()) != SSH_REQUEST_AUTH) {
            ssh_message_reply_default(msg.get());
            continue;
        }
        if (exchange.handle(msg.get())) return true;
        if (exchange.failures() >= max_auth_failures) {
            log_event(settings, router.name, "too many authentication failures");
            ssh_disconnect(session);
            return false;
        }
    }
    return false;
}

}  // namespace fanout::fleetsim
