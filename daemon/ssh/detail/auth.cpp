#include "daemon/ssh/detail/auth.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

namespace fanout::daemon::ssh {
namespace {

using protocol::error_kind;
using protocol::router_error;

// Rounds of keyboard-interactive prompts we answer: a server that asks again after the
// password was sent has rejected it.
constexpr int max_prompt_rounds = 2;

std::string method_names(int methods) {
    std::vector<std::string> names;
    if (methods & SSH_AUTH_METHOD_PUBLICKEY) names.emplace_back("publickey");
    if (methods & SSH_AUTH_METHOD_PASSWORD) names.emplace_back("password");
    if (methods & SSH_AUTH_METHOD_INTERACTIVE) names.emplace_back("keyboard-interactive");
    if (methods & SSH_AUTH_METHOD_HOSTBASED) names.emplace_back("hostbased");
    if (methods & SSH_AUTH_METHOD_GSSAPI_MIC) names.emplace_back("gssapi-with-mic");
    if (names.empty()) return "none";
    std::string joined;
    for (const auto& name : names) joined += (joined.empty() ? "" : ", ") + name;
    return joined;
}

struct auth_run {
    ssh_session session;
    const device& target;
    clock::time_point deadline;
    std::chrono::milliseconds budget;
    const std::atomic<bool>& cancelled;
    std::vector<std::string> tried;
    std::optional<router_error> interruption;  // timeout or cancel

    template <class Step>
    int attempt(Step&& step) {
        auto result = repeat_until_done(session, SSH_AUTH_AGAIN, deadline, cancelled, step);
        if (result.status != wait_status::ready) {
            interruption = interrupted(result.status, "authentication", budget);
            return SSH_AUTH_ERROR;
        }
        return result.rc;
    }

    int keyboard_interactive() {
        tried.emplace_back("keyboard-interactive");
        int rounds = 0;
        for (;;) {
            int rc = attempt([&] { return ssh_userauth_kbdint(session, nullptr, nullptr); });
            if (rc != SSH_AUTH_INFO) return rc;
            int prompts = ssh_userauth_kbdint_getnprompts(session);
            if (prompts > 0 && ++rounds > max_prompt_rounds) return SSH_AUTH_DENIED;
            for (int i = 0; i < prompts; ++i) {
                char echo = 0;
                ssh_userauth_kbdint_getprompt(session, static_cast<unsigned>(i), &echo);
                const std::string& answer = echo ? target.username : target.password.reveal();
                if (ssh_userauth_kbdint_setanswer(session, static_cast<unsigned>(i),
                                                  answer.c_str()) < 0)
                    return SSH_AUTH_ERROR;
            }
        }
    }

    int with_password(int offered) {
        int rc = SSH_AUTH_DENIED;
        // A server that lists no methods gets both tries.
        if (offered == 0 || (offered & SSH_AUTH_METHOD_PASSWORD)) {
            tried.emplace_back("password");
            const std::string& password = target.password.reveal();
            rc = attempt([&] { return ssh_userauth_password(session, nullptr, password.c_str()); });
            if (rc == SSH_AUTH_SUCCESS || interruption) return rc;
            offered = ssh_userauth_list(session, nullptr);
        }
        if (offered == 0 || (offered & SSH_AUTH_METHOD_INTERACTIVE)) rc = keyboard_interactive();
        return rc;
    }

    int with_key(int offered, ssh_key key) {
        if (offered != 0 && !(offered & SSH_AUTH_METHOD_PUBLICKEY)) return SSH_AUTH_DENIED;
        tried.emplace_back("publickey");
        return attempt([&] { return ssh_userauth_publickey(session, nullptr, key); });
    }
};

}  // namespace

std::variant<key_ptr, router_error> load_private_key(const device& target) {
    const std::string& path = target.private_key_path;
    if (path.empty()) return router_error{error_kind::auth, "no private_key_path configured"};
    if (::access(path.c_str(), R_OK) != 0)
        return router_error{error_kind::auth,
                            "cannot read private key file " + path + ": " + std::strerror(errno)};
    ssh_key raw = nullptr;
    const char* passphrase =
        target.passphrase.empty() ? nullptr : target.passphrase.reveal().c_str();
    int rc = ssh_pki_import_privkey_file(path.c_str(), passphrase, nullptr, nullptr, &raw);
    key_ptr key(raw);
    if (rc == SSH_EOF)
        return router_error{error_kind::auth, "cannot read private key file " + path};
    if (rc != SSH_OK || !key)
        return router_error{error_kind::auth,
                            "cannot load private key " + path +
                                (passphrase ? ": wrong passphrase or unsupported key format"
                                            : ": encrypted without a passphrase configured, "
                                              "or unsupported key format")};
    return key;
}

std::optional<router_error> authenticate(ssh_session session, const device& target, ssh_key key,
                                         clock::time_point deadline,
                                         std::chrono::milliseconds budget,
                                         const std::atomic<bool>& cancelled) {
    auth_run run{session, target, deadline, budget, cancelled, {}, {}};
    int rc = run.attempt([&] { return ssh_userauth_none(session, nullptr); });
    if (run.interruption) return run.interruption;
    if (rc == SSH_AUTH_SUCCESS) return std::nullopt;
    if (rc == SSH_AUTH_ERROR)
        return router_error{error_kind::auth, "authentication failed for user '" + target.username +
                                                  "': " + last_error(session)};
    int offered = ssh_userauth_list(session, nullptr);

    rc = target.auth == device::auth_type::ssh_key ? run.with_key(offered, key)
                                                   : run.with_password(offered);
    if (run.interruption) return run.interruption;
    if (rc == SSH_AUTH_SUCCESS) {
        spdlog::debug("{}: authenticated as '{}' by {}", target.name, target.username,
                      run.tried.empty() ? "none" : run.tried.back());
        return std::nullopt;
    }
    std::string tried;
    for (const auto& method : run.tried) tried += (tried.empty() ? "" : ", ") + method;
    std::string message = "authentication failed for user '" + target.username +
                          "' (tried: " + (tried.empty() ? "nothing suitable" : tried) +
                          "; server offers: " + method_names(offered) + ")";
    if (rc == SSH_AUTH_ERROR) message += ": " + last_error(session);
    return router_error{error_kind::auth, message};
}

}  // namespace fanout::daemon::ssh
