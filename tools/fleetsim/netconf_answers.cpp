#include "tools/fleetsim/netconf_answers.hpp"

#include "tools/fleetsim/junos_cli.hpp"
#include "tools/fleetsim/junos_documents.hpp"

namespace fanout::fleetsim {
namespace {

std::string syntax_error(const rpc_request& request, std::string_view command) {
    const command_error error = error_of(command);
    return reply_error(request,
                       {"protocol", "operation-failed", "error", error.message, error.bad_element});
}

std::string answer_command_rpc(const rpc_request& request, const router_identity& router) {
    const cli_request cli = parse_cli_request(request.command);
    const std::string& format = request.format;
    if (cli.format != output_format::text) {
        // "show version | display json" inside <command>: the CLI's screen, as text.
        const cli_answer answer = answer_command(request.command, router);
        if (answer.exit_status != 0) return syntax_error(request, cli.command);
        return reply_output(request, answer.output);
    }
    if (format == "text" || format == "ascii") {
        if (auto text = command_text(cli.command, router)) return reply_output(request, *text);
        return syntax_error(request, cli.command);
    }
    if (format.empty() || format == "xml" || format == "json") {
        auto document = command_document(cli.command, router);
        if (!document) return syntax_error(request, cli.command);
        if (format == "json") return reply_json(request, junos_json_text(*document));
        return reply_document(request, *document);
    }
    return reply_error(request, {"protocol", "bad-attribute", "error",
                                 "invalid value for format: " + format, "command"});
}

}  // namespace

std::string answer_rpc(const rpc_request& request, const router_identity& router) {
    switch (request.kind) {
        case rpc_kind::close_session:
            return reply_ok(request);
        case rpc_kind::command:
            return answer_command_rpc(request, router);
        case rpc_kind::other:
            return reply_error(request, {"protocol", "operation-failed", "error",
                                         "syntax error, expecting <command>", request.operation});
        case rpc_kind::malformed:
            break;
    }
    return reply_error(request, {"rpc", "malformed-message", "error", request.problem, ""});
}

rpc_error_fields injected_rpc_error() {
    return {"application", "operation-failed", "error",
            "fleetsim: injected rpc-error (netconf_rpc_error)", ""};
}

}  // namespace fanout::fleetsim
