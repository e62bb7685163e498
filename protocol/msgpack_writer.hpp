// Internal to fanout_protocol: small helpers over msgpack::packer for the encoders.
//
// Contract: strings are always written as valid UTF-8 msgpack `str` (see protocol/utf8.hpp);
// floats always as float64; counts as unsigned integers (the packer picks the shortest form).
#pragma once

#include <msgpack.hpp>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "protocol/utf8.hpp"

namespace fanout::protocol::detail {

// The packer's output: a std::string the encoders return as is (no copy out of a buffer).
struct string_buffer {
    std::string bytes;
    void write(const char* data, std::size_t size) { bytes.append(data, size); }
};

using packer = msgpack::packer<string_buffer>;

inline void pack_string(packer& p, std::string_view s) {
    if (!is_valid_utf8(s)) {
        const std::string valid = to_valid_utf8(s);
        pack_string(p, valid);
        return;
    }
    if (s.size() > std::numeric_limits<std::uint32_t>::max()) {
        s = s.substr(0, std::numeric_limits<std::uint32_t>::max() - 4);
    }
    p.pack_str(static_cast<std::uint32_t>(s.size()));
    p.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
}

inline void pack_key(packer& p, std::string_view key) {
    pack_string(p, key);
}

// Always a float64 (0xcb). packer::pack_double writes integral values such as 5.0 as
// integers, which would make `timeout`, `uptime` and the durations change type on the wire.
inline void pack_float64(packer& p, double value) {
    std::uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    char bytes[9];
    bytes[0] = static_cast<char>(0xcb);
    for (int i = 0; i < 8; ++i) bytes[1 + i] = static_cast<char>(bits >> (56 - 8 * i));
    p.pack_str_body(bytes, sizeof bytes);  // appends raw bytes, no header
}

}  // namespace fanout::protocol::detail
