#include "tools/fanoutctl/router_select.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <set>

#include "tools/fanoutctl/node_set.hpp"

namespace fanout::ctl {
namespace {

using names = std::vector<std::string>;
using inventory_list = std::vector<protocol::router_info>;

bool is_glob(const std::string& term) {
    return term.find_first_of("*?") != std::string::npos;
}

bool wants_inventory(const std::string& term) {
    return term == "all" || term.starts_with('@') || is_glob(term);
}

names sorted_naturally(names list) {
    std::sort(list.begin(), list.end(),
              [](const std::string& a, const std::string& b) { return natural_less(a, b); });
    return list;
}

std::variant<names, selection_error> group_members(const std::string& group,
                                                   const inventory_list& inventory) {
    names members;
    std::set<std::string> known;
    for (const auto& r : inventory) {
        known.insert(r.groups.begin(), r.groups.end());
        if (std::find(r.groups.begin(), r.groups.end(), group) != r.groups.end())
            members.push_back(r.name);
    }
    if (!members.empty()) return sorted_naturally(std::move(members));
    std::string list;
    for (const auto& g : known) list += (list.empty() ? "" : ", ") + g;
    return selection_error{"@" + group + ": no router in fanoutd's inventory is in that group" +
                           (list.empty() ? " (no router has groups)" : " (groups: " + list + ")")};
}

std::variant<names, selection_error> glob_matches(const std::string& glob,
                                                  const inventory_list& inventory) {
    names matches;
    for (const auto& r : inventory)
        if (::fnmatch(glob.c_str(), r.name.c_str(), 0) == 0) matches.push_back(r.name);
    if (matches.empty())
        return selection_error{"'" + glob + "' matches no router in fanoutd's inventory"};
    return sorted_naturally(std::move(matches));
}

// Every name one -r/-x argument stands for, in order.
std::variant<names, selection_error> expand_argument(const std::string& argument,
                                                     const inventory_list& inventory) {
    auto split = split_node_set(argument);
    if (auto* error = std::get_if<node_set_error>(&split)) return selection_error{error->message};
    names out;
    for (const auto& term : std::get<names>(split)) {
        std::variant<names, selection_error> part;
        if (term == "all") {
            names all;
            for (const auto& r : inventory) all.push_back(r.name);
            part = sorted_naturally(std::move(all));
        } else if (term.starts_with('@')) {
            part = group_members(term.substr(1), inventory);
        } else if (auto expanded = expand_node_set(term);
                   auto* error = std::get_if<node_set_error>(&expanded)) {
            part = selection_error{error->message};
        } else {
            names found;
            for (auto& name : std::get<names>(expanded)) {
                if (!is_glob(name)) {
                    found.push_back(std::move(name));
                    continue;
                }
                auto matches = glob_matches(name, inventory);
                if (auto* e = std::get_if<selection_error>(&matches)) return *e;
                for (auto& m : std::get<names>(matches)) found.push_back(std::move(m));
            }
            part = std::move(found);
        }
        if (auto* e = std::get_if<selection_error>(&part)) return *e;
        for (auto& name : std::get<names>(part)) out.push_back(std::move(name));
    }
    return out;
}

std::variant<names, selection_error> expand_all(const names& arguments,
                                                const inventory_list& inventory) {
    names out;
    for (const auto& argument : arguments) {
        auto part = expand_argument(argument, inventory);
        if (auto* e = std::get_if<selection_error>(&part)) return *e;
        for (auto& name : std::get<names>(part)) out.push_back(std::move(name));
    }
    return out;
}

}  // namespace

bool needs_inventory(const selection_terms& terms) {
    for (const auto* side : {&terms.include, &terms.exclude}) {
        for (const auto& argument : *side) {
            auto split = split_node_set(argument);
            if (auto* items = std::get_if<names>(&split))
                if (std::any_of(items->begin(), items->end(), wants_inventory)) return true;
        }
    }
    return false;
}

std::variant<names, selection_error> resolve_selection(const selection_terms& terms,
                                                       const inventory_list& inventory) {
    auto included = expand_all(terms.include, inventory);
    if (auto* e = std::get_if<selection_error>(&included)) return *e;
    auto excluded = expand_all(terms.exclude, inventory);
    if (auto* e = std::get_if<selection_error>(&excluded)) return *e;
    auto& candidates = std::get<names>(included);
    candidates.insert(candidates.end(), terms.literal.begin(), terms.literal.end());

    const auto& left_out = std::get<names>(excluded);
    const std::set<std::string> dropped(left_out.begin(), left_out.end());
    std::set<std::string> seen;
    names selected;
    for (auto& name : candidates)
        if (!dropped.count(name) && seen.insert(name).second) selected.push_back(std::move(name));
    if (selected.empty() && !candidates.empty())
        return selection_error{"every selected router is excluded by -x"};
    return selected;
}

}  // namespace fanout::ctl
