// An OpenSSH known_hosts file held in memory, shared by every connection that uses it.
//
// Contract: thread-safe. A lookup costs one stat(2) plus a map lookup; the file is read
// again only when it changed on disk. Plain host entries ("1.2.3.4", "[1.2.3.4]:2222") are
// indexed; hashed (|1|...) and wildcard entries are matched one by one through libssh.
// @cert-authority lines are ignored; keys under @revoked are refused. add() serialises
// writers through a process-wide mutex and flock(2) on the file. A missing file is empty.
// A file that exists but cannot be read (descriptors exhausted, permissions, I/O error) is
// never taken as empty: the last set read successfully stays in force, an error is logged
// once per episode, and the read is tried again at the next lookup. Until a first successful
// read, lookups answer `unreadable` and add() writes nothing. While reads fail, keys removed
// from (or marked @revoked in) the unreadable file stay accepted: the set last read is the
// best evidence there is. Anything but a regular file (a FIFO, a device) counts as unreadable.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace fanout::daemon {

enum class host_key_match { known, unknown, changed, revoked, unreadable };

class known_hosts_file {
  public:
    // The process-wide instance for `path`, created on first use.
    static std::shared_ptr<known_hosts_file> shared(const std::filesystem::path& path);

    explicit known_hosts_file(std::filesystem::path path);

    // How OpenSSH names a host in known_hosts: "ip" on port 22, else "[ip]:port".
    static std::string host_name(const std::string& ip, std::uint16_t port);

    // `host` as host_name() spells it; `key_base64` is the key blob as known_hosts stores it.
    host_key_match check(const std::string& host, const std::string& key_base64);

    // Key types ("ssh-ed25519", "ssh-rsa", ...) recorded for `host`, in file order.
    std::vector<std::string> key_types(const std::string& host);

    // Appends "host key_type key_base64" unless the host has entries by now; returns the
    // match after the call (known when the key was written). Throws std::system_error when
    // the file cannot be written.
    host_key_match add(const std::string& host, const std::string& key_type,
                       const std::string& key_base64);

    const std::filesystem::path& path() const { return path_; }

  private:
    struct entry {
        std::string hosts;  // the host field, kept for hashed / wildcard matching
        std::string type;
        std::string key;
        bool revoked = false;
    };
    struct file_state {
        bool exists = false;
        bool regular = false;
        dev_t device = 0;
        ino_t inode = 0;
        off_t size = 0;
        std::int64_t mtime_ns = 0;
        int error = 0;  // errno of a stat(2) that failed for a reason other than "missing"
        bool operator==(const file_state&) const = default;
    };

    file_state stat_file() const;
    void refresh(const file_state& now);       // caller holds the unique lock
    void read_failed(const std::string& why);  // caller holds the unique lock
    void insert(entry e);                      // caller holds the unique lock
    std::vector<const entry*> entries_for(const std::string& host) const;
    host_key_match match(const std::string& host, const std::string& key_base64) const;

    std::filesystem::path path_;
    std::shared_mutex mutex_;
    file_state loaded_;
    bool have_good_ = false;  // a read (or an absent file) has succeeded at least once
    bool failing_ = false;    // the last read failed: logged once, retried at each lookup
    std::vector<std::unique_ptr<entry>> entries_;
    std::unordered_map<std::string, std::vector<const entry*>> by_host_;
    std::vector<const entry*> patterns_;
};

}  // namespace fanout::daemon
