#include "curve/curve_keys.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

namespace fanout::curve {
namespace {

constexpr std::string_view z85_alphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

struct key_lines {
    std::optional<std::string> public_key, secret_key, bare_key;
};

// `name = "value"` lines of a zcert-style file, plus a bare Z85 line. Values are checked by
// the callers, which name the field but never print a secret value.
key_lines read_key_lines(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) throw key_file_error("cannot read " + file.string() + ": " + std::strerror(errno));
    key_lines found;
    std::string raw;
    while (std::getline(in, raw)) {
        auto line = trim(raw);
        if (is_z85_key(line)) {  // before the comment test: '#' is a Z85 character
            found.bare_key = std::string(line);
            continue;
        }
        if (line.empty() || line.front() == '#') continue;
        auto equals = line.find('=');
        if (equals == std::string_view::npos) continue;  // zcert section names: `curve`
        auto name = trim(line.substr(0, equals));
        auto value = trim(line.substr(equals + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
            value = value.substr(1, value.size() - 2);
        if (name == "public-key") found.public_key = std::string(value);
        if (name == "secret-key") found.secret_key = std::string(value);
    }
    return found;
}

void require_private_file(const std::filesystem::path& file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0)
        throw key_file_error("cannot read " + file.string() + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) throw key_file_error(file.string() + " is not a regular file");
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        throw key_file_error("secret key file " + file.string() + " has mode " + mode +
                             ": it must not be accessible by group or others (chmod 600 " +
                             file.string() + ")");
    }
}

void set_option(void* socket, int option, const void* value, std::size_t size, const char* name) {
    if (zmq_setsockopt(socket, option, value, size) != 0)
        throw std::runtime_error(std::string("cannot set ") + name + ": " +
                                 zmq_strerror(zmq_errno()));
}

void set_key(void* socket, int option, const std::string& z85, const char* name) {
    set_option(socket, option, z85.c_str(), z85.size() + 1, name);  // Z85 with its NUL
}

void write_new_file(const std::filesystem::path& file, const std::string& text, mode_t mode) {
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        throw key_file_error("cannot create " + file.string() + ": " + std::strerror(errno) +
                             (errno == EEXIST ? " (it is never overwritten)" : ""));
    bool ok = ::fchmod(fd, mode) == 0 &&
              ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ok = ::close(fd) == 0 && ok;
    if (!ok) throw key_file_error("cannot write " + file.string() + ": " + std::strerror(errno));
}

}  // namespace

bool is_z85_key(std::string_view text) {
    return text.size() == z85_key_length &&
           text.find_first_not_of(z85_alphabet) == std::string_view::npos;
}

std::string z85_of_binary_key(std::string_view binary) {
    if (binary.size() != binary_key_length) return {};
    char text[z85_key_length + 1];
    if (!zmq_z85_encode(text, reinterpret_cast<const std::uint8_t*>(binary.data()), binary.size()))
        return {};
    return text;
}

key_pair generate_key_pair() {
    char public_key[z85_key_length + 1], secret_key[z85_key_length + 1];
    if (zmq_curve_keypair(public_key, secret_key) != 0)
        throw std::runtime_error(std::string("cannot generate a CURVE key pair: ") +
                                 zmq_strerror(zmq_errno()));
    return {public_key, secret_key};
}

key_pair load_key_pair(const std::filesystem::path& file) {
    require_private_file(file);
    auto lines = read_key_lines(file);
    if (!lines.secret_key || !is_z85_key(*lines.secret_key))
        throw key_file_error(file.string() + ": no valid `secret-key = \"<40 Z85 characters>\"` " +
                             "line (create one with `fanoutctl keygen --out FILE`)");
    char derived[z85_key_length + 1];
    if (zmq_curve_public(derived, lines.secret_key->c_str()) != 0)
        throw key_file_error(file.string() + ": the secret-key is not a valid CURVE key");
    if (lines.public_key && *lines.public_key != derived)
        throw key_file_error(file.string() + ": public-key does not belong to the secret-key");
    return {derived, *lines.secret_key};
}

std::string load_public_key(const std::filesystem::path& file) {
    auto lines = read_key_lines(file);
    if (lines.secret_key)
        throw key_file_error(file.string() +
                             " holds a secret-key: use the public file (FILE.pub) instead");
    auto key = lines.public_key ? lines.public_key : lines.bare_key;
    if (!key || !is_z85_key(*key))
        throw key_file_error(file.string() +
                             ": no valid `public-key = \"<40 Z85 characters>\"` line");
    return *key;
}

std::string public_key_from_argument(const std::string& key_or_file) {
    std::error_code ignored;
    if (is_z85_key(key_or_file) && !std::filesystem::exists(key_or_file, ignored))
        return key_or_file;
    return load_public_key(key_or_file);
}

std::set<std::string> load_allow_list(const std::filesystem::path& directory) {
    std::set<std::string> keys;
    for (auto& [key, name] : load_allow_list_names(directory)) keys.insert(key);
    return keys;
}

namespace {

// A file name fit to name a principal in logs, replies and the audit file (issue 14).
bool printable_name(const std::string& name) {
    if (name.empty() || name.size() > 255) return false;
    for (unsigned char c : name)
        if (c < 0x21 || c > 0x7e) return false;
    return true;
}

}  // namespace

std::map<std::string, std::string> load_allow_list_names(const std::filesystem::path& directory) {
    std::map<std::string, std::string> keys;
    std::error_code error;
    std::filesystem::directory_iterator it(directory, error);
    if (error)
        throw key_file_error("cannot read client key directory " + directory.string() + ": " +
                             error.message());
    for (const auto& entry : it) {
        if (entry.path().extension() != ".pub" || !entry.is_regular_file()) continue;
        auto key = load_public_key(entry.path());
        auto name = entry.path().filename().string();
        if (!printable_name(name)) name = key;
        // One key in two files: the name that sorts first, whatever the directory order.
        auto [it, added] = keys.emplace(key, name);
        if (!added && name < it->second) it->second = name;
    }
    if (keys.empty())
        throw key_file_error("client key directory " + directory.string() +
                             " has no *.pub file: every client would be refused");
    return keys;
}

void write_key_pair(const std::filesystem::path& secret_file, const key_pair& keys) {
    auto public_file = secret_file;
    public_file += ".pub";
    std::error_code ignored;
    if (std::filesystem::exists(public_file, ignored))
        throw key_file_error("cannot create " + public_file.string() +
                             ": it exists (it is never overwritten)");
    write_new_file(secret_file,
                   "# fanout CURVE key pair. Secret: keep it mode 0600, never share it.\n"
                   "public-key = \"" +
                       keys.public_key + "\"\nsecret-key = \"" + keys.secret_key + "\"\n",
                   0600);
    write_new_file(public_file,
                   "# fanout CURVE public key. Give it to fanoutd's --curve-clients directory or"
                   " to clients.\npublic-key = \"" +
                       keys.public_key + "\"\n",
                   0644);
}

void apply_curve_server(void* socket, const key_pair& server, std::string_view zap_domain) {
    int on = 1;
    set_option(socket, ZMQ_CURVE_SERVER, &on, sizeof on, "CURVE server mode");
    set_key(socket, ZMQ_CURVE_SECRETKEY, server.secret_key, "the CURVE secret key");
    // Names the socket's allow-list in ZAP requests; ZeroMQ asks the ZAP handler about every
    // CURVE client.
    set_option(socket, ZMQ_ZAP_DOMAIN, zap_domain.data(), zap_domain.size(), "the ZAP domain");
}

void apply_curve_client(void* socket, const client_credentials& credentials) {
    set_key(socket, ZMQ_CURVE_SERVERKEY, credentials.server_public_key, "the CURVE server key");
    set_key(socket, ZMQ_CURVE_PUBLICKEY, credentials.client.public_key, "the CURVE public key");
    set_key(socket, ZMQ_CURVE_SECRETKEY, credentials.client.secret_key, "the CURVE secret key");
}

}  // namespace fanout::curve
