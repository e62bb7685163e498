// Internal to fanout_protocol: strict reading of msgpack objects, with errors naming the field.
//
// Contract: every function throws decode_failure (never a msgpack exception) when the input is
// not what is expected; the codec entry points catch it and return an error_reply. Views and
// pointers returned here point into the object_handle's zone and live as long as it does.
#pragma once

#include <msgpack.hpp>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/messages.hpp"

namespace fanout::protocol::detail {

class decode_failure : public std::runtime_error {
  public:
    decode_failure(error_code code, const std::string& message)
        : std::runtime_error(message), code_(code) {}
    error_code code() const { return code_; }

  private:
    error_code code_;
};

[[noreturn]] void fail(error_code code, const std::string& message);

// What to say when an array exceeds the unpack limit, e.g. "routers: at most 10000".
struct unpack_policy {
    msgpack::unpack_limit limit;
    std::string array_limit_hint;
};

// Parses exactly one msgpack value spanning the whole frame (no trailing bytes).
msgpack::object_handle unpack_exactly_one(std::string_view frame, const unpack_policy& policy);

std::string_view type_name(const msgpack::object& o);

// Untrusted text made safe to quote in an error message: at most 64 bytes, printable ASCII,
// anything else as \xNN, inside backquotes.
std::string quote_untrusted(std::string_view text);

// `field` names the value in error messages, e.g. "routers[3]" or "summary.total".
std::string_view read_string(const msgpack::object& o, std::string_view field);
bool read_bool(const msgpack::object& o, std::string_view field);
std::uint64_t read_uint(const msgpack::object& o, std::string_view field,
                        std::uint64_t max = std::numeric_limits<std::uint64_t>::max());
std::int64_t read_int(const msgpack::object& o, std::string_view field);
double read_number(const msgpack::object& o, std::string_view field);  // int or float
std::span<const msgpack::object> read_array(const msgpack::object& o, std::string_view field);

// A msgpack map with string keys and no duplicate keys.
class map_reader {
  public:
    // `prefix` is prepended to field names ("summary" gives "summary.total"); `what` names the
    // map itself in errors about its shape ("request", "results[2]").
    map_reader(const msgpack::object& o, std::string prefix, std::string_view what);

    const msgpack::object* find(std::string_view key) const;
    const msgpack::object& require(std::string_view key) const;
    // The value, or nullptr when the key is absent or nil (optional fields).
    const msgpack::object* find_non_nil(std::string_view key) const;
    std::string field(std::string_view key) const;
    void reject_unknown_keys(std::initializer_list<std::string_view> known,
                             std::string_view what) const;

  private:
    std::string prefix_;
    std::vector<std::pair<std::string_view, const msgpack::object*>> entries_;  // sorted by key
};

}  // namespace fanout::protocol::detail
