#include "tools/fleetsim/junos_element.hpp"

namespace fanout::fleetsim {
namespace {

nlohmann::ordered_json object_of(const junos_element& element) {
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    if (!element.attributes.empty()) {
        nlohmann::ordered_json attributes = nlohmann::ordered_json::object();
        for (const auto& [key, value] : element.attributes) attributes[key] = value;
        object["attributes"] = std::move(attributes);
    }
    if (element.children.empty()) {
        if (!element.text.empty()) object["data"] = element.text;
        return object;
    }
    for (const auto& child : element.children) {
        auto& siblings = object[child.name];  // first use creates null, in first-seen order
        if (siblings.is_null()) siblings = nlohmann::ordered_json::array();
        siblings.push_back(object_of(child));
    }
    return object;
}

}  // namespace

junos_element& junos_element::add(std::string child_name, std::string child_text) {
    children.push_back({std::move(child_name), std::move(child_text), {}, {}});
    return children.back();
}

junos_element& junos_element::attribute(std::string key, std::string value) {
    attributes.emplace_back(std::move(key), std::move(value));
    return *this;
}

void write_xml(const junos_element& element, pugi::xml_node parent) {
    pugi::xml_node node = parent.append_child(element.name.c_str());
    for (const auto& [key, value] : element.attributes) {
        node.append_attribute(key.c_str()).set_value(value.c_str());
    }
    if (element.children.empty()) {
        if (!element.text.empty())
            node.append_child(pugi::node_pcdata).set_value(element.text.c_str());
        return;
    }
    for (const auto& child : element.children) write_xml(child, node);
}

nlohmann::ordered_json to_junos_json(const junos_element& root) {
    nlohmann::ordered_json document = nlohmann::ordered_json::object();
    document[root.name] = nlohmann::ordered_json::array({object_of(root)});
    return document;
}

std::string junos_json_text(const junos_element& root) {
    return to_junos_json(root).dump(4) + "\n";
}

}  // namespace fanout::fleetsim
