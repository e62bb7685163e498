// Matching commands against the policy: splitting into words and pipe stages, Junos
// abbreviations, the verdict.
#include "daemon/admission/command_policy.hpp"

#include <algorithm>
#include <array>
#include <variant>

namespace fanout::daemon {
namespace {

// Junos operational-mode top-level commands (the `?` listing at the `>` prompt, plus the
// `edit` and `exit` aliases). Allow rules use it to refuse ambiguous abbreviations.
constexpr std::array<std::string_view, 22> top_level_commands{
    "clear",  "configure", "edit",  "exit",   "file",    "help",      "load", "monitor",
    "mtrace", "op",        "ping",  "quit",   "request", "restart",   "save", "set",
    "show",   "ssh",       "start", "telnet", "test",    "traceroute"};

// Junos pipe commands (what `show version | ?` lists).
constexpr std::array<std::string_view, 16> pipe_commands{
    "append", "compare", "count",   "display", "except",  "find", "hold", "last",
    "match",  "no-more", "refresh", "request", "resolve", "save", "tee",  "trim"};

using words = std::vector<std::string>;

struct split_command {
    std::vector<words> stages;        // [0] the command, then each pipe stage
    std::vector<words> naive_stages;  // split at every `|`, quotes or not (for deny rules)
};

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Splits on `|` outside double quotes, then on blanks outside quotes; quotes are removed from
// the words. With `ignore_quotes`, quotes are dropped and group nothing (the naive reading).
std::vector<words> split_stages(std::string_view command, bool ignore_quotes) {
    std::vector<words> stages(1);
    std::string word;
    bool in_word = false, quoted = false;
    auto end_word = [&] {
        if (in_word) stages.back().push_back(lower(word));
        word.clear();
        in_word = false;
    };
    for (char c : command) {
        if (c == '"') {
            if (ignore_quotes) continue;
            quoted = !quoted;
            in_word = true;  // `""` is a word
        } else if (c == '|' && !quoted) {
            end_word();
            stages.emplace_back();
        } else if ((c == ' ' || c == '\t') && !quoted) {
            end_word();
        } else {
            word += c;
            in_word = true;
        }
    }
    end_word();
    return stages;
}

std::variant<split_command, std::string> split(std::string_view command) {
    for (unsigned char c : command) {
        if (c == ';') return std::string("a `;` may chain commands: send one command per entry");
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return std::string(
                "control characters (newline, carriage return, NUL...) may chain commands: "
                "send one command per entry");
    }
    if (command.find("\\\"") != std::string_view::npos)
        return std::string("`\\\"` makes the quoting ambiguous");
    if (std::count(command.begin(), command.end(), '"') % 2 != 0)
        return std::string("unbalanced double quote");
    split_command out{split_stages(command, false), split_stages(command, true)};
    if (out.stages[0].empty()) return std::string("empty command");
    for (std::size_t i = 1; i < out.stages.size(); ++i)
        if (out.stages[i].empty()) return std::string("empty pipe stage");
    return out;
}

template <std::size_t N>
bool unambiguous(std::string_view word, std::string_view keyword,
                 const std::array<std::string_view, N>& siblings) {
    if (word == keyword) return true;
    return std::none_of(siblings.begin(), siblings.end(), [&](std::string_view s) {
        return s != keyword && s.substr(0, word.size()) == word;
    });
}

// Deny rules take any prefix (even the empty word `""`); allow rules need a non-empty one,
// unambiguous among the known first words when `strict_first`.
bool word_matches(const std::string& word, const std::vector<std::string>& alternatives, bool allow,
                  bool strict_first, bool pipe) {
    if (allow && word.empty()) return false;
    for (const auto& keyword : alternatives) {
        if (keyword == "*") return true;
        if (word.size() > keyword.size() || keyword.compare(0, word.size(), word) != 0) continue;
        if (!strict_first) return true;
        if (pipe ? unambiguous(word, keyword, pipe_commands)
                 : unambiguous(word, keyword, top_level_commands))
            return true;
    }
    return false;
}

bool rule_matches(const policy_rule& rule, const words& stage) {
    if (stage.size() < rule.words.size()) return false;
    if (!rule.open_ended && stage.size() != rule.words.size()) return false;
    bool allow = rule.action == policy_rule::verdict::allow;
    for (std::size_t i = 0; i < rule.words.size(); ++i)
        if (!word_matches(stage[i], rule.words[i], allow, allow && i == 0, rule.pipe)) return false;
    return true;
}

std::string named(const policy_rule& rule) {
    return "rule `" + rule.text + "` (" + rule.origin + ")";
}

}  // namespace

std::optional<std::string> command_policy::check(std::string_view command) const {
    auto parsed = split(command);
    if (auto* malformed = std::get_if<std::string>(&parsed)) return *malformed;
    const auto& c = std::get<split_command>(parsed);
    bool allow_commands = false, allow_pipes = false;
    for (const auto& rule : rules_) {
        if (rule.action == policy_rule::verdict::allow) {
            (rule.pipe ? allow_pipes : allow_commands) = true;
            continue;
        }
        // Deny rules see both readings, so quoting can hide nothing from them.
        for (const auto* stages : {&c.stages, &c.naive_stages}) {
            if (!rule.pipe && rule_matches(rule, (*stages)[0])) return "matches " + named(rule);
            for (std::size_t i = 1; rule.pipe && i < stages->size(); ++i)
                if (rule_matches(rule, (*stages)[i])) return "pipe matches " + named(rule);
        }
    }
    auto allowed = [&](const words& stage, bool pipe) {
        return std::any_of(rules_.begin(), rules_.end(), [&](const policy_rule& r) {
            return r.action == policy_rule::verdict::allow && r.pipe == pipe &&
                   rule_matches(r, stage);
        });
    };
    if (allow_commands && !allowed(c.stages[0], false))
        return std::string(
            "matches no allow rule (abbreviations must be unambiguous under an allow list)");
    if (allow_pipes)
        for (std::size_t i = 1; i < c.stages.size(); ++i)
            if (!allowed(c.stages[i], true))
                return "pipe stage " + std::to_string(i) + " matches no `allow |` rule";
    return std::nullopt;
}

std::string command_excerpt(std::string_view command, std::size_t max_bytes) {
    bool cut = command.size() > max_bytes;
    if (cut) {
        std::size_t end = max_bytes;
        // Back up to the start of a UTF-8 sequence (never split one).
        while (end > 0 && (static_cast<unsigned char>(command[end]) & 0xC0) == 0x80) --end;
        command = command.substr(0, end);
    }
    std::string out = "`";
    for (unsigned char c : command) {
        if (c < 0x20 || c == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            out += c == '\n'   ? std::string("\\n")
                   : c == '\r' ? std::string("\\r")
                   : c == '\t' ? std::string("\\t")
                               : std::string("\\x") + hex[c >> 4] + hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + (cut ? "...`" : "`");
}

}  // namespace fanout::daemon
