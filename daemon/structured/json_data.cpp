#include "daemon/structured/json_data.hpp"

#include <nlohmann/json.hpp>

#include <limits>
#include <stdexcept>

#include "daemon/structured/json_fast.hpp"
#include "daemon/structured/msgpack_builder.hpp"

namespace fanout::daemon {

namespace {

using json = nlohmann::json;

// nlohmann-json's SAX interface, packing each event into the msgpack_builder as it comes.
// Returning false stops the parser at once.
class msgpack_sax {
  public:
    explicit msgpack_sax(unsigned max_depth) : max_depth_(max_depth) {}

    bool null() { return out_.nil(), true; }
    bool boolean(bool v) { return out_.boolean(v), true; }
    bool number_integer(json::number_integer_t v) { return out_.integer(v), true; }
    bool number_unsigned(json::number_unsigned_t v) { return out_.unsigned_integer(v), true; }
    // Also an integer beyond 64 bits: the lexer hands it over as the nearest double.
    bool number_float(json::number_float_t v, const json::string_t&) {
        return out_.float64(v), true;
    }
    bool string(json::string_t& v) { return out_.string(v), true; }
    bool binary(json::binary_t&) { return false; }  // never produced by the JSON reader
    bool key(json::string_t& v) { return out_.key(v), true; }
    bool start_object(std::size_t) { return open(true); }
    bool start_array(std::size_t) { return open(false); }
    bool end_object() { return out_.close(), true; }
    bool end_array() { return out_.close(), true; }

    bool parse_error(std::size_t position, const std::string&,
                     const nlohmann::detail::exception& e) {
        std::string what = e.what();
        // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..."
        if (const auto bracket = what.find("] "); bracket != std::string::npos) {
            what.erase(0, bracket + 2);
        }
        if (what.size() > 200) what.resize(200);
        // The parser counts the byte it stopped on: the offset is the one before.
        const std::size_t offset = position > 0 ? position - 1 : 0;
        error_ =
            json_data_error{"not JSON at byte " + std::to_string(offset) + ": " + what, offset};
        return false;
    }

    std::optional<json_data_error>& error() { return error_; }
    structured::msgpack_builder& output() { return out_; }

  private:
    bool open(bool map) {
        if (out_.depth() >= max_depth_) {
            error_ = json_data_error{
                "JSON nested deeper than " + std::to_string(max_depth_) + " arrays and objects",
                std::nullopt};
            return false;
        }
        map ? out_.open_map() : out_.open_array();
        return true;
    }

    unsigned max_depth_;
    structured::msgpack_builder out_;
    std::optional<json_data_error> error_;
};

}  // namespace

namespace {

void check_limits(const json_limits& limits) {
    if (limits.max_depth == 0 || limits.max_input_bytes == 0 ||
        limits.max_input_bytes > std::numeric_limits<std::uint32_t>::max()) {
        throw std::invalid_argument(
            "json_limits: max_depth and max_input_bytes must be positive, "
            "max_input_bytes at most 4294967295");
    }
}

std::optional<json_data_error> over_size(std::string_view text, const json_limits& limits) {
    if (text.size() <= limits.max_input_bytes) return std::nullopt;
    return json_data_error{"JSON document of " + std::to_string(text.size()) +
                               " bytes is over the limit of " +
                               std::to_string(limits.max_input_bytes),
                           std::nullopt};
}

std::variant<std::string, json_data_error> reference(std::string_view text, unsigned max_depth) {
    msgpack_sax sax(max_depth);
    const bool ok = json::sax_parse(text.begin(), text.end(), &sax,
                                    nlohmann::detail::input_format_t::json, true);
    if (!ok || sax.error()) {
        if (sax.error()) return std::move(*sax.error());
        return json_data_error{"not JSON", std::nullopt};
    }
    return sax.output().finish();
}

}  // namespace

std::variant<std::string, json_data_error> json_to_msgpack(std::string_view text,
                                                           const json_limits& limits) {
    check_limits(limits);
    if (auto error = over_size(text, limits)) return std::move(*error);
    if (limits.max_depth <= fast_path_max_depth) {
        if (auto bytes = structured::json_to_msgpack_fast(text, limits.max_depth)) {
            return std::move(*bytes);
        }
    }
    return reference(text, limits.max_depth);
}

std::variant<std::string, json_data_error> json_to_msgpack_reference(std::string_view text,
                                                                     const json_limits& limits) {
    check_limits(limits);
    if (auto error = over_size(text, limits)) return std::move(*error);
    return reference(text, limits.max_depth);
}

}  // namespace fanout::daemon
