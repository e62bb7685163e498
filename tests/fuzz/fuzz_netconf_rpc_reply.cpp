// libFuzzer target: the rpc-reply and hello parsers, fed arbitrary bytes.
//
// The first input byte picks the format asked for; the rest is the message. Properties checked
// on every input: no crash, hang or over-allocation (ASan/UBSan, -rss_limit_mb), the reply's
// errors decide failed() exactly as documented, and the XML the parser hands out for
// format=xml is well-formed on its own, element by element.
#include <pugixml.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/netconf/hello.hpp"
#include "daemon/netconf/rpc_reply.hpp"

using namespace fanout::daemon;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const output_format formats[] = {output_format::text, output_format::xml, output_format::json};
    const auto format = formats[data[0] % 3];
    const std::string_view message(reinterpret_cast<const char*>(data) + 1, size - 1);
    (void)parse_server_hello(message);
    auto parsed = parse_rpc_reply(message, 1, format);
    auto* reply = std::get_if<rpc_reply>(&parsed);
    if (!reply) return 0;
    const bool any_error = std::any_of(reply->errors.begin(), reply->errors.end(),
                                       [](auto& e) { return e.severity != "warning"; });
    if (reply->failed() != any_error) __builtin_trap();
    if (reply->kind == reply_kind::xml) {
        pugi::xml_document doc;
        const auto result = doc.load_buffer(reply->text.data(), reply->text.size(),
                                            pugi::parse_default | pugi::parse_fragment);
        if (!result) __builtin_trap();
    }
    return 0;
}
