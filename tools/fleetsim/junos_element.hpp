// One Junos operational document (the element tree behind `| display xml`, `| display json`
// and NETCONF's <command format="xml|json">), and its two renderings.
//
// Contract: a junos_element is plain data: a name, attributes in order, and either text (a
// leaf) or children. write_xml() appends the element as well-formed XML (pugixml escapes text
// and attributes) under `parent`; junos_json_text() renders it as Junos's `| display json`
// does: an object whose keys are child names in first-seen order, each holding an array with
// one entry per sibling of that name; a leaf is {"data": text}; attributes go under
// "attributes". It keeps Junos's layout too (an array's objects at its key's indentation, ", "
// between members), which makes a 200-interface document half the size of a plain
// pretty-print. No I/O.
#pragma once

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

// {"<name>" : [ <object> ]}, ending in '\n': the whole document, as `| display json` prints it.
std::string junos_json_text(const junos_element& root);

}  // namespace fanout::fleetsim
