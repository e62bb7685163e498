// The ZAP handler (ZeroMQ RFC 27): decides which CURVE clients may connect to fanoutd's
// sockets. Owns the REP socket bound at inproc://zeromq.zap.01 in the daemon's context, and
// its thread.
//
// Contract:
// - Construct it before any CURVE socket of the context binds, destroy it after they closed:
//   while no handler is bound, ZeroMQ lets every CURVE client in.
// - One policy per ZAP domain (the socket's ZMQ_ZAP_DOMAIN, curve_keys.hpp): fanout-proxy
//   keeps its clients' list and its daemons' list apart in one handler (a context has only
//   one). A request for a domain without a policy gets 400.
// - With an allow-list, a CURVE client whose public key is listed gets 200, any other client
//   400 (and ZeroMQ drops the connection). Without one (encryption only), every CURVE client
//   gets 200. Any other mechanism gets 400; a malformed request gets 500.
// - An accepted client's ZAP reply carries a User-Id (ZeroMQ's "User-Id" message property on
//   everything it sends): the policy's name for its key (the *.pub file name), else its Z85
//   public key.
// - Each refusal is logged at warn with the peer address, the client's Z85 public key and the
//   option the allow-list came from;
//   a client refused again within a minute (ZeroMQ clients reconnect) is counted, not logged,
//   until the minute is over. Accepted clients are logged at debug. No secret is ever logged:
//   a ZAP request carries only public keys.
// - The loop wakes at least every 100 ms to notice stop(); stop() joins it.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace zmq {
class context_t;
}

namespace fanout::daemon {

// Who may connect to the sockets of one ZAP domain.
struct zap_policy {
    std::optional<std::set<std::string>> allowed_keys;  // Z85; nullopt: every CURVE client
    std::string source = "--curve-clients";             // named in refusal logs
    // Audit (issue 14): the User-Id a ZAP reply gives an accepted key (its *.pub file name);
    // a key not named here gets its Z85 text.
    std::map<std::string, std::string> key_names{};
};

class zap_handler {
  public:
    // `policies`: by ZAP domain. Throws zmq::error_t when the ZAP endpoint cannot be bound
    // (another handler in the context).
    zap_handler(zmq::context_t& context, std::map<std::string, zap_policy> policies);
    // One policy, for curve::client_zap_domain (fanoutd's sockets).
    zap_handler(zmq::context_t& context, std::optional<std::set<std::string>> allowed_keys);
    // The same, with the allowed keys' names (key -> name, curve::load_allow_list_names).
    zap_handler(zmq::context_t& context, std::map<std::string, std::string> named_keys);
    zap_handler(const zap_handler&) = delete;
    zap_handler& operator=(const zap_handler&) = delete;
    ~zap_handler();

    void stop();

  private:
    struct sockets;
    struct refusal_record {
        std::chrono::steady_clock::time_point logged_at;
        std::size_t unlogged = 0;
    };

    void run();
    void answer_one();
    // The reply's status code for one request: "200", "400" or "500".
    std::string judge(const std::vector<std::string>& request);
    // The User-Id of an accepted request (issue 14).
    std::string user_id_of(const std::vector<std::string>& request) const;
    void note_refusal(const std::string& address, const std::string& client_key,
                      const std::string& source);

    std::unique_ptr<sockets> sockets_;
    const std::map<std::string, zap_policy> policies_;
    std::map<std::string, refusal_record> refusals_;  // by client key; bounded, see .cpp
    std::atomic<bool> stopping_{false};
    std::thread thread_;  // last: joins before the members it uses go away
};

}  // namespace fanout::daemon
