// The built-in deny list, family by family (docs/security.md, "The built-in deny list", explains
// each rule, and a unit test keeps that table and this text in step, row for row).
//
// Where every command of a family changes the router (request system, vmhost, node, chassis...),
// the whole family is denied, so a subcommand that a later Junos release adds is denied too. Where
// a family mixes reading and writing (file, clear), the writing subcommands are named. The
// specific rules come first so that the reason names the danger (`req sys reb` names the reboot).
#include "daemon/admission/command_policy.hpp"

namespace fanout::daemon {

const std::string_view default_policy_text = R"(
deny request (system|vmhost) (reboot|halt|power-off|power-cycle|zeroize)
deny request (system|vmhost) software
deny request node
deny request (system|vmhost)
deny request (chassis|virtual-chassis|interface)
deny request (routing-engine|session|app-engine|pfe|extension-service)
deny request (security|license|package|software)
deny restart
deny (configure|edit)
deny (set|delete|commit|rollback|load|activate|deactivate)
deny save
deny start
deny (ssh|telnet)
deny op
deny monitor
deny file (archive|change-owner|change-permission|copy|delete|delete-directory|link|make-directory|rename)
deny clear log
deny clear system (commit|login)
deny clear security pki
deny | (save|append|tee)
)";

}  // namespace fanout::daemon
