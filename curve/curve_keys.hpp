// CURVE keys for fanoutd's sockets: key files, the client allow-list, and the socket options
// that turn CURVE on. Shared by fanoutd and fanoutctl; no ZeroMQ type appears here.
//
// Contract:
// - Keys are Z85 text, 40 characters (32 bytes). A secret key is never formatted into a
//   message, exception or log line by anything here.
// - Key pair file (secret): lines `public-key = "<z85>"` and `secret-key = "<z85>"`; blank
//   lines, `#` comments and other `name = value` lines are ignored, leading blanks too, so a
//   czmq zcert `_secret` file loads as it is. load_key_pair() throws key_file_error when the
//   file is readable or writable by group or others (like OpenSSH: chmod 600), when a key is
//   missing or not Z85, or when the public key does not belong to the secret key.
// - Public key file: `public-key = "<z85>"` (a czmq zcert public file) or one bare Z85 line.
//   A public file that holds a `secret-key` is refused: only public halves are shared.
// - Allow-list directory: every regular file named `*.pub` holds one client public key;
//   other names are ignored. Any bad `*.pub` file, or none at all, throws key_file_error.
// - write_key_pair() writes FILE (mode 0600, never overwriting) and FILE.pub (0644).
// - apply_curve_* take the raw socket handle (zmq::socket_t::handle()) and throw
//   std::runtime_error when ZeroMQ refuses an option (a libzmq built without CURVE). Like
//   most ZeroMQ options they apply to the socket's later bind/connect calls only, so one
//   socket may bind as a CURVE server and then connect as a CURVE client.
// - apply_curve_server names a ZAP domain in the socket's ZAP requests: client_zap_domain
//   for the sockets clients use, pool_zap_domain for fanout-proxy's backends, so one ZAP
//   handler can keep one allow-list per domain (curve/zap_handler.hpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

namespace fanout::curve {

inline constexpr std::size_t z85_key_length = 40;
inline constexpr std::size_t binary_key_length = 32;
inline constexpr std::string_view client_zap_domain = "fanoutd";
inline constexpr std::string_view pool_zap_domain = "fanout-pool";

class key_file_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct key_pair {
    std::string public_key;  // Z85
    std::string secret_key;  // Z85; never logged
};

// What a client needs to talk to a CURVE fanoutd.
struct client_credentials {
    key_pair client;
    std::string server_public_key;  // Z85
};

bool is_z85_key(std::string_view text);
// Z85 text of a 32-byte binary key (as found in a ZAP request); empty when the size is wrong.
std::string z85_of_binary_key(std::string_view binary);

key_pair generate_key_pair();
key_pair load_key_pair(const std::filesystem::path& file);
std::string load_public_key(const std::filesystem::path& file);
// A public key given on a command line: a Z85 key itself, or the path of a public key file.
std::string public_key_from_argument(const std::string& key_or_file);
std::set<std::string> load_allow_list(const std::filesystem::path& directory);
// The same keys, each with the name of its file (e.g. "ops.pub"), which the ZAP handler gives
// as the connection's User-Id (issue 14). A name that is not 1-255 printable ASCII characters
// without spaces is replaced by the key itself; a key in two files takes the name that sorts
// first. Throws as load_allow_list.
std::map<std::string, std::string> load_allow_list_names(const std::filesystem::path& directory);
void write_key_pair(const std::filesystem::path& secret_file, const key_pair& keys);

void apply_curve_server(void* socket, const key_pair& server,
                        std::string_view zap_domain = client_zap_domain);
void apply_curve_client(void* socket, const client_credentials& credentials);

}  // namespace fanout::curve
