// A minimal msgpack writer for protocol tests, independent of msgpack-cxx.
//
// Contract: builds exact msgpack bytes (shortest encodings, as msgpack-cxx's packer writes
// them) so tests can craft hostile or hand-made frames and compare encoder output byte for
// byte, the way a client in another language would see it.
#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>

namespace fanout::protocol::test_wire {

class wire {
  public:
    wire& map(std::uint32_t n) { return header(n, 0x80, 0xde, 0xdf, 15); }
    wire& array(std::uint32_t n) { return header(n, 0x90, 0xdc, 0xdd, 15); }
    wire& str(std::string_view s) {
        const auto n = static_cast<std::uint32_t>(s.size());
        if (n <= 31) {
            byte(0xa0 | n);
        } else if (n <= 0xff) {
            byte(0xd9).big_endian(n, 1);
        } else if (n <= 0xffff) {
            byte(0xda).big_endian(n, 2);
        } else {
            byte(0xdb).big_endian(n, 4);
        }
        bytes_.append(s);
        return *this;
    }
    wire& uint(std::uint64_t v) {
        if (v <= 0x7f) return byte(static_cast<std::uint8_t>(v));
        if (v <= 0xff) return byte(0xcc).big_endian(v, 1);
        if (v <= 0xffff) return byte(0xcd).big_endian(v, 2);
        if (v <= 0xffffffff) return byte(0xce).big_endian(v, 4);
        return byte(0xcf).big_endian(v, 8);
    }
    wire& integer(std::int64_t v) {
        if (v >= 0) return uint(static_cast<std::uint64_t>(v));
        if (v >= -32) return byte(static_cast<std::uint8_t>(v));
        if (v >= -128) return byte(0xd0).big_endian(static_cast<std::uint64_t>(v), 1);
        if (v >= -32768) return byte(0xd1).big_endian(static_cast<std::uint64_t>(v), 2);
        if (v >= INT32_MIN) return byte(0xd2).big_endian(static_cast<std::uint64_t>(v), 4);
        return byte(0xd3).big_endian(static_cast<std::uint64_t>(v), 8);
    }
    wire& f64(double v) { return byte(0xcb).big_endian(std::bit_cast<std::uint64_t>(v), 8); }
    wire& f32(float v) { return byte(0xca).big_endian(std::bit_cast<std::uint32_t>(v), 4); }
    wire& boolean(bool v) { return byte(v ? 0xc3 : 0xc2); }
    wire& nil() { return byte(0xc0); }
    wire& bin(std::string_view s) {
        byte(0xc4).big_endian(s.size(), 1);
        bytes_.append(s);
        return *this;
    }
    wire& raw(std::string_view s) {
        bytes_.append(s);
        return *this;
    }
    // A key followed by a string value, the common case in maps.
    wire& kv(std::string_view key, std::string_view value) { return str(key).str(value); }

    const std::string& bytes() const { return bytes_; }
    operator std::string_view() const { return bytes_; }

  private:
    wire& byte(unsigned v) {
        bytes_.push_back(static_cast<char>(v & 0xff));
        return *this;
    }
    wire& big_endian(std::uint64_t v, int n) {
        for (int i = n - 1; i >= 0; --i) byte(static_cast<unsigned>(v >> (8 * i)));
        return *this;
    }
    wire& header(std::uint32_t n, unsigned fix, unsigned b16, unsigned b32, std::uint32_t fix_max) {
        if (n <= fix_max) return byte(fix | n);
        if (n <= 0xffff) return byte(b16).big_endian(n, 2);
        return byte(b32).big_endian(n, 4);
    }

    std::string bytes_;
};

}  // namespace fanout::protocol::test_wire
