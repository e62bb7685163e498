#include "daemon/ssh/known_hosts.hpp"

#include <fcntl.h>
#include <libssh/libssh.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <system_error>

#include <spdlog/spdlog.h>

namespace fanout::daemon {
namespace {

std::mutex registry_mutex;
std::mutex append_mutex;

// libssh matches hashed and wildcard host fields only as part of a whole line, and parses
// the line's key too; this small valid ed25519 key keeps that parse cheap.
constexpr const char* cheap_key =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMntFyrQ6k7DyEwGmqvqtNqmwXDZuqVwnB8j7jZTMupO";

std::string lowercase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// "[h]:22" and "h" name the same host; OpenSSH writes the short form.
std::string normalise_host(const std::string& host) {
    std::string lower = lowercase(host);
    if (lower.size() > 5 && lower.front() == '[' && lower.ends_with("]:22"))
        return lower.substr(1, lower.size() - 5);
    return lower;
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream in(text);
    while (std::getline(in, part, separator))
        if (!part.empty()) parts.push_back(part);
    return parts;
}

bool libssh_matches(const std::string& host, const std::string& pattern) {
    std::string line = pattern + " " + cheap_key;
    ssh_knownhosts_entry* found = nullptr;
    int rc = ssh_known_hosts_parse_line(host.c_str(), line.c_str(), &found);
    ssh_knownhosts_entry_free(found);
    return rc == SSH_OK;
}

// OpenSSH semantics: a matching negated pattern ("!host") excludes the line.
bool pattern_field_matches(const std::string& host, const std::string& field) {
    bool matched = false;
    for (const auto& token : split(field, ',')) {
        bool negated = token.front() == '!';
        std::string pattern = negated ? token.substr(1) : token;
        if (pattern.empty() || !libssh_matches(host, pattern)) continue;
        if (negated) return false;
        matched = true;
    }
    return matched;
}

}  // namespace

std::shared_ptr<known_hosts_file> known_hosts_file::shared(const std::filesystem::path& path) {
    std::error_code ec;
    auto key = std::filesystem::weakly_canonical(path, ec);
    if (ec) key = std::filesystem::absolute(path).lexically_normal();
    static std::map<std::filesystem::path, std::shared_ptr<known_hosts_file>> registry;
    std::lock_guard lock(registry_mutex);
    auto& slot = registry[key];
    if (!slot) slot = std::make_shared<known_hosts_file>(key);
    return slot;
}

known_hosts_file::known_hosts_file(std::filesystem::path path) : path_(std::move(path)) {}

std::string known_hosts_file::host_name(const std::string& ip, std::uint16_t port) {
    if (port == 22) return ip;
    return "[" + ip + "]:" + std::to_string(port);
}

known_hosts_file::file_state known_hosts_file::stat_file() const {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) {
        file_state missing;
        if (errno != ENOENT && errno != ENOTDIR) missing.error = errno;
        return missing;
    }
    return {true,
            S_ISREG(st.st_mode),
            st.st_dev,
            st.st_ino,
            st.st_size,
            static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
            0};
}

void known_hosts_file::read_failed(const std::string& why) {
    if (!failing_)
        spdlog::error("cannot read known_hosts {}: {}; {}", path_.string(), why,
                      have_good_ ? "keeping the keys read before"
                                 : "refusing every host key until it can be read");
    failing_ = true;
}

void known_hosts_file::refresh(const file_state& now) {
    if (have_good_ && !failing_ && now == loaded_) return;
    if (now.error != 0) return read_failed(std::strerror(now.error));
    // Never open a FIFO or a device: reading one could block every connection behind this lock.
    if (now.exists && !now.regular) return read_failed("not a regular file");
    std::vector<entry> read;
    if (now.exists) {
        errno = 0;
        std::ifstream in(path_);
        if (!in.is_open()) return read_failed(std::strerror(errno != 0 ? errno : EIO));
        std::string line;
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::string first, hosts, type, key;
            fields >> first;
            if (first.empty() || first.front() == '#') continue;
            entry e;
            if (first.front() == '@') {
                if (first != "@revoked") continue;  // @cert-authority: certificates are not used
                e.revoked = true;
                fields >> hosts;
            } else {
                hosts = first;
            }
            fields >> type >> key;
            if (key.empty()) continue;
            e.hosts = hosts;
            e.type = type;
            e.key = key;
            read.push_back(std::move(e));
        }
        if (in.bad()) return read_failed(std::strerror(errno != 0 ? errno : EIO));
    }
    entries_.clear();
    by_host_.clear();
    patterns_.clear();
    for (auto& e : read) insert(std::move(e));
    loaded_ = now;
    if (failing_) spdlog::info("known_hosts {} can be read again", path_.string());
    have_good_ = true;
    failing_ = false;
}

void known_hosts_file::insert(entry e) {
    entries_.push_back(std::make_unique<entry>(std::move(e)));
    const entry* added = entries_.back().get();
    if (added->hosts.find_first_of("|*?!") != std::string::npos) {
        patterns_.push_back(added);
        return;
    }
    for (const auto& host : split(added->hosts, ','))
        by_host_[normalise_host(host)].push_back(added);
}

std::vector<const known_hosts_file::entry*> known_hosts_file::entries_for(
    const std::string& host) const {
    std::string name = normalise_host(host);
    std::vector<const entry*> found;
    if (auto it = by_host_.find(name); it != by_host_.end()) found = it->second;
    for (const entry* e : patterns_)
        if (pattern_field_matches(name, e->hosts)) found.push_back(e);
    return found;
}

host_key_match known_hosts_file::match(const std::string& host,
                                       const std::string& key_base64) const {
    auto found = entries_for(host);
    bool listed = false;
    for (const entry* e : found) {
        if (e->revoked) {
            if (e->key == key_base64) return host_key_match::revoked;
            continue;
        }
        listed = true;
    }
    for (const entry* e : found)
        if (!e->revoked && e->key == key_base64) return host_key_match::known;
    return listed ? host_key_match::changed : host_key_match::unknown;
}

host_key_match known_hosts_file::check(const std::string& host, const std::string& key_base64) {
    auto now = stat_file();
    {
        std::shared_lock lock(mutex_);
        if (have_good_ && !failing_ && now == loaded_) return match(host, key_base64);
    }
    std::unique_lock lock(mutex_);
    refresh(now);
    if (!have_good_) return host_key_match::unreadable;
    return match(host, key_base64);
}

std::vector<std::string> known_hosts_file::key_types(const std::string& host) {
    auto now = stat_file();
    std::unique_lock lock(mutex_);
    refresh(now);
    std::vector<std::string> types;
    for (const entry* e : entries_for(host))
        if (!e->revoked && std::find(types.begin(), types.end(), e->type) == types.end())
            types.push_back(e->type);
    return types;
}

host_key_match known_hosts_file::add(const std::string& host, const std::string& key_type,
                                     const std::string& key_base64) {
    std::lock_guard serialise(append_mutex);
    std::unique_lock lock(mutex_);
    refresh(stat_file());
    // A key is never recorded on the strength of a set that may be out of date.
    if (!have_good_ || failing_) return host_key_match::unreadable;
    if (auto current = match(host, key_base64); current != host_key_match::unknown) return current;

    int fd = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), path_.string());
    struct fd_closer {
        int fd;
        ~fd_closer() { ::close(fd); }
    } closer{fd};
    if (flock(fd, LOCK_EX) != 0) throw std::system_error(errno, std::generic_category(), "flock");

    std::string text = host + " " + key_type + " " + key_base64 + "\n";
    struct stat st {};
    char last = '\n';
    if (fstat(fd, &st) == 0 && st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) == 1 &&
        last != '\n')
        text.insert(text.begin(), '\n');
    for (std::size_t written = 0; written < text.size();) {
        ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::system_error(errno, std::generic_category(), path_.string());
        written += static_cast<std::size_t>(n);
    }
    insert({host, key_type, key_base64, false});
    // The set now matches the file as written; a stat that fails here is retried next lookup.
    if (auto written = stat_file(); written.exists && written.error == 0) loaded_ = written;
    return host_key_match::known;
}

}  // namespace fanout::daemon
