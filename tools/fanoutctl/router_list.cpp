#include "tools/fanoutctl/router_list.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace fanout::ctl {
namespace {

bool blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return s;
}

// The line without its comment: from a '#' that starts the line or follows a blank.
std::string_view without_comment(std::string_view line) {
    for (std::size_t i = 0; i < line.size(); ++i)
        if (line[i] == '#' && (i == 0 || blank(line[i - 1]))) return line.substr(0, i);
    return line;
}

}  // namespace

std::vector<std::string> parse_routers_file(std::string_view contents) {
    std::vector<std::string> names;
    while (!contents.empty()) {
        const auto newline = contents.find('\n');
        const auto line = trim(without_comment(contents.substr(0, newline)));
        if (!line.empty() && std::find(names.begin(), names.end(), line) == names.end())
            names.emplace_back(line);
        if (newline == std::string_view::npos) break;
        contents.remove_prefix(newline + 1);
    }
    return names;
}

std::variant<std::vector<std::string>, routers_file_error> read_routers_file(
    const std::string& path) {
    std::ostringstream contents;
    if (path == "-") {
        contents << std::cin.rdbuf();
        if (std::cin.bad()) return routers_file_error{"cannot read the router list from stdin"};
        return parse_routers_file(contents.str());
    }
    std::ifstream file(path);
    if (!file)
        return routers_file_error{"cannot read routers file " + path + ": " + std::strerror(errno)};
    contents << file.rdbuf();
    return parse_routers_file(contents.str());
}

}  // namespace fanout::ctl
