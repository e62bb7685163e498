// One Junos operational document (the element tree behind `| display xml`, `| display json`
// and NETCONF's <command format="xml|json">), and its two renderings.
//
// Contract: a junos_element is plain data: a name, attributes in order, and either text (a
// leaf) or children. write_xml() appends the element as well-formed XML (pugixml escapes text
// and attributes) under `parent`; to_junos_json() renders it as Junos does: an object whose
// keys are child names in first-seen order, each holding an array with one entry per sibling
// of that name; a leaf is {"data": text}; attributes go under "attributes". No I/O.
#pragma once

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include <string>
#include <utility>
#include <vector>

namespace fanout::fleetsim {

struct junos_element {
    std::string name;
    std::string text;  // a leaf's text; ignored when there are children
    std::vector<std::pair<std::string, std::string>> attributes;
    std::vector<junos_element> children;

    // Appends a child and returns it (references are invalidated by the next add()).
    junos_element& add(std::string child_name, std::string child_text = {});
    junos_element& attribute(std::string key, std::string value);
};

void write_xml(const junos_element& element, pugi::xml_node parent);

// {"<name>": [ <object> ]}: the whole document, as `| display json` prints it.
nlohmann::ordered_json to_junos_json(const junos_element& root);

// The document as `| display json` prints it: to_junos_json() indented, ending in '\n'.
std::string junos_json_text(const junos_element& root);

}  // namespace fanout::fleetsim
