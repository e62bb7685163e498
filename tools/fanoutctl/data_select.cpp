#include "tools/fanoutctl/data_select.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace fanout::ctl {
namespace {

std::optional<nlohmann::json> parse(const std::string& bytes) {
    auto document = nlohmann::json::from_msgpack(bytes, true, false);
    if (document.is_discarded()) return std::nullopt;
    return document;
}

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

}  // namespace

std::string data_text(const std::string& msgpack_bytes) {
    auto document = parse(msgpack_bytes);
    return document ? document->dump(2) : "(data is not valid msgpack)";
}

std::optional<std::string> select_value(const std::string& msgpack_bytes, std::string_view path) {
    auto document = parse(msgpack_bytes);
    if (!document) return std::nullopt;
    const nlohmann::json* at = &*document;
    while (!path.empty()) {
        const auto dot = path.find('.');
        const auto segment = path.substr(0, dot);
        path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
        if (at->is_array() && all_digits(segment)) {
            const auto index = std::stoull(std::string(segment));
            if (index >= at->size()) return std::nullopt;
            at = &(*at)[index];
        } else if (at->is_object()) {
            auto it = at->find(std::string(segment));
            if (it == at->end()) return std::nullopt;
            at = &*it;
        } else {
            return std::nullopt;
        }
    }
    return at->is_string() ? at->get<std::string>() : at->dump();
}

}  // namespace fanout::ctl
