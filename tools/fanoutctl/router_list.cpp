#include "tools/fanoutctl/router_list.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fanout::ctl {
namespace {

std::string_view trim(std::string_view s) {
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return s;
}

void add_unique(std::vector<std::string>& names, std::string_view name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
}

}  // namespace

router_selection parse_router_arguments(const std::vector<std::string>& arguments) {
    router_selection selection;
    for (const auto& argument : arguments) {
        std::string_view rest = argument;
        while (true) {
            const auto comma = rest.find(',');
            const auto item = trim(rest.substr(0, comma));
            if (item == "all") {
                selection.all = true;
            } else if (!item.empty()) {
                add_unique(selection.names, item);
            }
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    if (selection.all) selection.names.clear();
    return selection;
}

std::vector<std::string> parse_routers_file(std::string_view contents) {
    std::vector<std::string> names;
    while (!contents.empty()) {
        const auto newline = contents.find('\n');
        const auto line = trim(contents.substr(0, newline));
        if (!line.empty() && line.front() != '#') add_unique(names, line);
        if (newline == std::string_view::npos) break;
        contents.remove_prefix(newline + 1);
    }
    return names;
}

std::vector<std::string> read_routers_file(const std::string& path) {
    std::ifstream file(path);
    if (!file) {
        throw std::runtime_error("cannot read routers file " + path + ": " + std::strerror(errno));
    }
    std::ostringstream contents;
    contents << file.rdbuf();
    return parse_routers_file(contents.str());
}

}  // namespace fanout::ctl
