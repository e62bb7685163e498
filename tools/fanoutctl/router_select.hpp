// Which routers `run -r ... -x ...` means: names, clush node sets, globs, inventory groups and
// `all`, minus the exclusions, resolved to the explicit list of names that `submit` sends.
//
// Contract: pure (the inventory is passed in, fetched by the caller only when
// needs_inventory() says so). A term is one comma-separated item of `-r`/`-x` (commas inside
// brackets do not split): `all`, `@group`, a node set (`r[1-5,9]`), or a glob with `*` or `?`
// (`edge-*`, matched against the inventory's names after node-set expansion). Plain names are
// not checked here: fanoutd refuses unknown ones. The result keeps first-seen order without
// repeats (globs and groups add their matches in natural order) and leaves out every excluded
// name. A term that matches nothing (a glob, a group), a bad node set, or nothing left after
// the exclusions is an error value naming the term.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "protocol/messages.hpp"

namespace fanout::ctl {

struct selection_terms {
    std::vector<std::string> include{};  // each -r argument (comma lists allowed)
    std::vector<std::string> literal{};  // --routers-file names, taken as they are
    std::vector<std::string> exclude{};  // each -x argument
};

struct selection_error {
    std::string message;
};

// True when a term is `all`, `@group` or a glob, on either side.
bool needs_inventory(const selection_terms& terms);

std::variant<std::vector<std::string>, selection_error> resolve_selection(
    const selection_terms& terms, const std::vector<protocol::router_info>& inventory);

}  // namespace fanout::ctl
