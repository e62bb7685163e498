#include "daemon/metrics/exposition.hpp"

#include <charconv>
#include <cmath>
#include <vector>

namespace fanout::metrics {

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char ch : value) {
        if (ch == '\\')
            out += "\\\\";
        else if (ch == '"')
            out += "\\\"";
        else if (ch == '\n')
            out += "\\n";
        else
            out += ch;
    }
    return out;
}

std::string escape_help(std::string_view help) {
    std::string out;
    out.reserve(help.size());
    for (char ch : help) {
        if (ch == '\\')
            out += "\\\\";
        else if (ch == '\n')
            out += "\\n";
        else
            out += ch;
    }
    return out;
}

std::string format_value(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char text[64];
    auto [end, error] = std::to_chars(text, text + sizeof text, value);  // shortest round trip
    return std::string(text, error == std::errc() ? end : text);
}

void write_header(std::string& out, std::string_view name, std::string_view help,
                  std::string_view type) {
    out.append("# HELP ").append(name).append(" ").append(escape_help(help)).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void write_sample(std::string& out, std::string_view name, std::span<const label> labels,
                  double value) {
    out.append(name);
    if (!labels.empty()) {
        out += '{';
        bool first = true;
        for (const auto& [label_name, label_value] : labels) {
            if (!first) out += ',';
            first = false;
            out.append(label_name).append("=\"").append(escape_label_value(label_value)) += '"';
        }
        out += '}';
    }
    out.append(" ").append(format_value(value)).append("\n");
}

void write_histogram(std::string& out, std::string_view name, std::span<const label> labels,
                     const histogram& h) {
    const std::string bucket_name = std::string(name) + "_bucket";
    std::vector<label> with_le(labels.begin(), labels.end());
    with_le.emplace_back("le", "");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= h.bounds().size(); ++i) {
        cumulative += h.bucket(i);
        const std::string le = i < h.bounds().size() ? format_value(h.bounds()[i]) : "+Inf";
        with_le.back().second = le;
        write_sample(out, bucket_name, with_le, static_cast<double>(cumulative));
    }
    write_sample(out, std::string(name) + "_sum", labels, h.sum());
    write_sample(out, std::string(name) + "_count", labels, static_cast<double>(cumulative));
}

}  // namespace fanout::metrics
