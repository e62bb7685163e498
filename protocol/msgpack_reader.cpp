#include "protocol/msgpack_reader.hpp"

#include <algorithm>
#include <cmath>

namespace fanout::protocol::detail {
namespace {

std::string got(const msgpack::object& o) {
    return ", got " + std::string(type_name(o));
}

}  // namespace

void fail(error_code code, const std::string& message) {
    throw decode_failure(code, message);
}

msgpack::object_handle unpack_exactly_one(std::string_view frame, const unpack_policy& policy) {
    if (frame.empty()) fail(error_code::bad_request, "empty frame: expected one msgpack map");
    std::size_t offset = 0;
    msgpack::object_handle handle;
    try {
        handle =
            msgpack::unpack(frame.data(), frame.size(), offset, nullptr, nullptr, policy.limit);
    } catch (const msgpack::array_size_overflow&) {
        fail(error_code::too_large,
             "an array declares more entries than allowed or than the frame holds (" +
                 policy.array_limit_hint + ")");
    } catch (const msgpack::map_size_overflow&) {
        fail(error_code::bad_request, "a map declares more than " +
                                          std::to_string(policy.limit.map()) +
                                          " entries or more than the frame holds");
    } catch (const msgpack::depth_size_overflow&) {
        fail(error_code::bad_request,
             "nesting deeper than " + std::to_string(policy.limit.depth()) + " levels");
    } catch (const msgpack::size_overflow&) {
        fail(error_code::too_large, "a string, binary or extension value is larger than " +
                                        std::to_string(policy.limit.str()) + " bytes");
    } catch (const msgpack::insufficient_bytes&) {
        fail(error_code::bad_request, "truncated msgpack: the frame (" +
                                          std::to_string(frame.size()) +
                                          " bytes) ends inside a value");
    } catch (const msgpack::parse_error&) {
        fail(error_code::bad_request, "invalid msgpack (for example the reserved byte 0xc1)");
    } catch (const msgpack::unpack_error& e) {
        fail(error_code::bad_request, std::string("invalid msgpack: ") + e.what());
    }
    if (offset != frame.size()) {
        const std::size_t extra = frame.size() - offset;
        fail(error_code::bad_request,
             std::to_string(extra) + (extra == 1 ? " trailing byte" : " trailing bytes") +
                 " after the msgpack value; a frame holds exactly one map");
    }
    return handle;
}

std::string quote_untrusted(std::string_view text) {
    constexpr std::size_t max_shown = 64;
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "`";
    for (std::size_t i = 0; i < text.size() && i < max_shown; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += static_cast<char>(c);
        } else {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        }
    }
    out += text.size() > max_shown ? "`..." : "`";
    return out;
}

std::string_view type_name(const msgpack::object& o) {
    switch (o.type) {
        case msgpack::type::NIL:
            return "nil";
        case msgpack::type::BOOLEAN:
            return "boolean";
        case msgpack::type::POSITIVE_INTEGER:
        case msgpack::type::NEGATIVE_INTEGER:
            return "integer";
        case msgpack::type::FLOAT32:
        case msgpack::type::FLOAT64:
            return "float";
        case msgpack::type::STR:
            return "string";
        case msgpack::type::BIN:
            return "binary";
        case msgpack::type::ARRAY:
            return "array";
        case msgpack::type::MAP:
            return "map";
        case msgpack::type::EXT:
            return "extension";
    }
    return "unknown type";
}

std::string_view read_string(const msgpack::object& o, std::string_view field) {
    if (o.type != msgpack::type::STR) {
        fail(error_code::bad_request, std::string(field) + ": expected a string" + got(o));
    }
    return {o.via.str.ptr, o.via.str.size};
}

bool read_bool(const msgpack::object& o, std::string_view field) {
    if (o.type != msgpack::type::BOOLEAN) {
        fail(error_code::bad_request, std::string(field) + ": expected a boolean" + got(o));
    }
    return o.via.boolean;
}

std::uint64_t read_uint(const msgpack::object& o, std::string_view field, std::uint64_t max) {
    if (o.type != msgpack::type::POSITIVE_INTEGER || o.via.u64 > max) {
        fail(error_code::bad_request,
             std::string(field) + ": expected an integer from 0 to " + std::to_string(max) +
                 (o.type == msgpack::type::POSITIVE_INTEGER ? ", got " + std::to_string(o.via.u64)
                                                            : got(o)));
    }
    return o.via.u64;
}

std::int64_t read_int(const msgpack::object& o, std::string_view field) {
    if (o.type == msgpack::type::NEGATIVE_INTEGER) return o.via.i64;
    return static_cast<std::int64_t>(
        read_uint(o, field, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())));
}

double read_number(const msgpack::object& o, std::string_view field) {
    switch (o.type) {
        case msgpack::type::POSITIVE_INTEGER:
            return static_cast<double>(o.via.u64);
        case msgpack::type::NEGATIVE_INTEGER:
            return static_cast<double>(o.via.i64);
        case msgpack::type::FLOAT32:
        case msgpack::type::FLOAT64:
            return o.via.f64;
        default:
            fail(error_code::bad_request, std::string(field) + ": expected a number" + got(o));
    }
}

std::span<const msgpack::object> read_array(const msgpack::object& o, std::string_view field) {
    if (o.type != msgpack::type::ARRAY) {
        fail(error_code::bad_request, std::string(field) + ": expected an array" + got(o));
    }
    if (o.via.array.size == 0) return {};
    return {o.via.array.ptr, o.via.array.size};
}

map_reader::map_reader(const msgpack::object& o, std::string prefix, std::string_view what)
    : prefix_(std::move(prefix)) {
    if (o.type != msgpack::type::MAP) {
        fail(error_code::bad_request, std::string(what) + ": expected a map" + got(o));
    }
    entries_.reserve(o.via.map.size);
    for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
        const msgpack::object_kv& kv = o.via.map.ptr[i];
        if (kv.key.type != msgpack::type::STR) {
            fail(error_code::bad_request,
                 std::string(what) + ": map keys must be strings" + got(kv.key));
        }
        entries_.emplace_back(std::string_view(kv.key.via.str.ptr, kv.key.via.str.size), &kv.val);
    }
    std::sort(entries_.begin(), entries_.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    const auto duplicate =
        std::adjacent_find(entries_.begin(), entries_.end(),
                           [](const auto& a, const auto& b) { return a.first == b.first; });
    if (duplicate != entries_.end()) {
        fail(error_code::bad_request,
             std::string(what) + ": duplicate key " + quote_untrusted(duplicate->first));
    }
}

const msgpack::object* map_reader::find(std::string_view key) const {
    const auto it =
        std::lower_bound(entries_.begin(), entries_.end(), key,
                         [](const auto& entry, std::string_view k) { return entry.first < k; });
    if (it == entries_.end() || it->first != key) return nullptr;
    return it->second;
}

const msgpack::object& map_reader::require(std::string_view key) const {
    const msgpack::object* value = find(key);
    if (value == nullptr) fail(error_code::bad_request, field(key) + ": missing required field");
    return *value;
}

const msgpack::object* map_reader::find_non_nil(std::string_view key) const {
    const msgpack::object* value = find(key);
    return (value == nullptr || value->type == msgpack::type::NIL) ? nullptr : value;
}

std::string map_reader::field(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
}

void map_reader::reject_unknown_keys(std::initializer_list<std::string_view> known,
                                     std::string_view what) const {
    for (const auto& [key, value] : entries_) {
        if (std::find(known.begin(), known.end(), key) == known.end()) {
            fail(error_code::bad_request,
                 std::string(what) + ": unknown field " + quote_untrusted(key));
        }
    }
}

}  // namespace fanout::protocol::detail
