#include "daemon/structured/msgpack_builder.hpp"

#include <cstring>

namespace fanout::daemon::structured {

namespace {

constexpr std::size_t reserved_header = 5;  // 0xdd/0xdf and a 32-bit count

struct string_sink {
    std::string& out;
    void write(const char* data, std::size_t size) { out.append(data, size); }
};

}  // namespace

void msgpack_builder::value() {
    if (!open_.empty() && !containers_[open_.back()].map) ++containers_[open_.back()].count;
}

void msgpack_builder::open(bool map) {
    value();
    open_.push_back(containers_.size());
    containers_.push_back({bytes_.size(), 0, map});
    bytes_.append(reserved_header, '\0');
}

void msgpack_builder::close() {
    open_.pop_back();
}

void msgpack_builder::key(std::string_view s) {
    ++containers_[open_.back()].count;
    packer_.pack_str(static_cast<std::uint32_t>(s.size()));
    packer_.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
}

void msgpack_builder::string(std::string_view s) {
    value();
    packer_.pack_str(static_cast<std::uint32_t>(s.size()));
    packer_.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
}

// Always 0xcb: packer::pack_double writes 5.0 as the integer 5, and JSON's 5.0 stays a float.
void msgpack_builder::float64(double v) {
    value();
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    char out[9];
    out[0] = static_cast<char>(0xcb);
    for (int i = 0; i < 8; ++i) out[1 + i] = static_cast<char>(bits >> (56 - 8 * i));
    bytes_.append(out, sizeof out);
}

std::string msgpack_builder::finish() {
    std::string out;
    out.reserve(bytes_.size());
    string_sink sink{out};
    msgpack::packer<string_sink> headers(sink);
    std::size_t from = 0;
    for (const auto& c : containers_) {
        out.append(bytes_, from, c.offset - from);
        c.map ? headers.pack_map(c.count) : headers.pack_array(c.count);
        from = c.offset + reserved_header;
    }
    out.append(bytes_, from);
    bytes_.clear();
    containers_.clear();
    return out;
}

}  // namespace fanout::daemon::structured
