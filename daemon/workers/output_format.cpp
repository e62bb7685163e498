#include "daemon/workers/output_format.hpp"

#include <algorithm>

#include "daemon/structured/json_data.hpp"
#include "daemon/structured/xml_check.hpp"

namespace fanout::daemon {

using protocol::output_format;

std::string exec_command(const std::string& command, output_format format) {
    switch (format) {
        case output_format::json:
            return command + " | display json";
        case output_format::xml:
            return command + " | display xml";
        case output_format::text:
            break;
    }
    return command;
}

namespace {

void fail_parse(protocol::router_result& r, std::string message) {
    r.status = protocol::router_status::failed;
    r.error = protocol::router_error{protocol::error_kind::parse, std::move(message)};
}

}  // namespace

void apply_format(protocol::router_result& r, output_format format) {
    if (format == output_format::text || r.status != protocol::router_status::success) return;
    const std::string name(protocol::to_string(format));
    if (r.truncated)
        return fail_parse(r, "the " + name + " document was cut at --max-output-bytes (" +
                                 std::to_string(r.output.size()) +
                                 " bytes) and is not parsed; raise --max-output-bytes");
    if (format == output_format::xml) {
        if (auto error = check_xml(r.output))
            fail_parse(r, "the output is not well-formed XML at byte " +
                              std::to_string(error->offset) + ": " + error->message);
        return;
    }
    json_limits limits;
    limits.max_input_bytes = std::clamp<std::size_t>(r.output.size(), 1, 0xFFFFFFFFu);
    auto parsed = json_to_msgpack(r.output, limits);
    if (auto* error = std::get_if<json_data_error>(&parsed)) {
        // A syntax error's message already says "not JSON at byte N: ..."; others do not.
        fail_parse(r, "the output is " +
                          (error->offset ? error->message : "not valid JSON: " + error->message));
        return;
    }
    r.data = std::move(std::get<std::string>(parsed));
}

}  // namespace fanout::daemon
