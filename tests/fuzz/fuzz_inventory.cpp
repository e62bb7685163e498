// libFuzzer target: devices.json (inventory::parse), fed arbitrary bytes: a hostile or broken
// inventory file.
//
// Properties checked on every input: no crash, hang or over-allocation; the only exception is
// inventory_error (anything else escaping parse is a bug); an accepted inventory finds every
// router it lists by name, sorted and unique; and no error message quotes a password or a
// passphrase (secrets never reach a log line, and the error is logged). For the last, every
// "password" and "passphrase" string of a JSON input is replaced by a marker that cannot occur
// in fanout's own text, and the error of that document must not contain it (a secret that
// happens to be a word of the message, "on each ro", is no leak).
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/admission/inventory.hpp"

using namespace fanout::daemon;

namespace {

constexpr std::string_view marker = "zq8secretzq8";

// Replaces every string under a "password" or "passphrase" key, at any depth; how many.
int mark_secrets(nlohmann::json& j) {
    int marked = 0;
    if (j.is_object()) {
        for (auto& [key, value] : j.items()) {
            if ((key == "password" || key == "passphrase") && value.is_string()) {
                value = std::string(marker) + std::to_string(marked++);
                continue;
            }
            marked += mark_secrets(value);
        }
    } else if (j.is_array()) {
        for (auto& value : j) marked += mark_secrets(value);
    }
    return marked;
}

void check_parse(std::string_view text) {
    try {
        auto parsed = inventory::parse(text);
        const auto& devices = parsed.devices();
        for (std::size_t i = 0; i < devices.size(); ++i) {
            if (parsed.find(devices[i].name) != &devices[i]) __builtin_trap();
            if (i > 0 && !(devices[i - 1].name < devices[i].name)) __builtin_trap();
        }
    } catch (const inventory_error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    check_parse(text);
    auto document = nlohmann::json::parse(text, nullptr, false);
    if (document.is_discarded() || mark_secrets(document) == 0) return 0;
    try {
        inventory::parse(document.dump());
    } catch (const inventory_error& e) {
        if (std::string_view(e.what()).find(marker) != std::string_view::npos) __builtin_trap();
    }
    return 0;
}
