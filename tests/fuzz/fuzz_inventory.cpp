// libFuzzer target: devices.json (inventory::parse), fed arbitrary bytes: a hostile or broken
// inventory file.
//
// Properties checked on every input: no crash, hang or over-allocation; the only exception is
// inventory_error (anything else escaping parse is a bug); an accepted inventory finds every
// router it lists by name, sorted and unique; and no error message quotes a password or a
// passphrase of the input (secrets never reach a log line, and the error is logged).
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/admission/inventory.hpp"

using namespace fanout::daemon;

namespace {

// Every string under a "password" or "passphrase" key, at any depth, of 4 bytes or more (a
// shorter one may occur in a message by chance: a router named "r1" with password "r1").
void collect_secrets(const nlohmann::json& j, std::vector<std::string>& out) {
    if (j.is_object()) {
        for (const auto& [key, value] : j.items()) {
            if ((key == "password" || key == "passphrase") && value.is_string() &&
                value.get_ref<const std::string&>().size() >= 4)
                out.push_back(value.get<std::string>());
            collect_secrets(value, out);
        }
    } else if (j.is_array()) {
        for (const auto& value : j) collect_secrets(value, out);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        auto parsed = inventory::parse(text);
        const auto& devices = parsed.devices();
        for (std::size_t i = 0; i < devices.size(); ++i) {
            if (parsed.find(devices[i].name) != &devices[i]) __builtin_trap();
            if (i > 0 && !(devices[i - 1].name < devices[i].name)) __builtin_trap();
        }
    } catch (const inventory_error& e) {
        const auto document = nlohmann::json::parse(text, nullptr, false);
        if (document.is_discarded()) return 0;
        std::vector<std::string> secrets;
        collect_secrets(document, secrets);
        const std::string message = e.what();
        for (const auto& secret : secrets)
            if (message.find(secret) != std::string::npos) __builtin_trap();
    }
    return 0;
}
