// The policy file format: parsing rules, loading a file (the built-in list itself is in
// command_policy_defaults.cpp).
#include <algorithm>
#include <fstream>
#include <sstream>

#include "daemon/admission/command_policy.hpp"

namespace fanout::daemon {

namespace {

bool is_keyword_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::vector<std::string> split_whitespace(std::string_view s) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        std::size_t start = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
        if (i > start) out.emplace_back(s.substr(start, i - start));
    }
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

// One word position of a pattern: `keyword`, `(a|b|c)` or `*`.
std::vector<std::string> parse_position(const std::string& token) {
    if (token == "*") return {"*"};
    std::string body = lower(token);
    bool grouped = body.size() >= 2 && body.front() == '(' && body.back() == ')';
    if (grouped) body = body.substr(1, body.size() - 2);
    std::vector<std::string> alternatives;
    std::size_t start = 0;
    while (true) {
        std::size_t bar = body.find('|', start);
        std::string keyword = body.substr(start, bar == std::string::npos ? bar : bar - start);
        if (keyword.empty() || !std::all_of(keyword.begin(), keyword.end(), is_keyword_char))
            throw command_policy_error(
                "`" + token +
                "` is not a keyword, `(a|b)`, `*` or a final `...` (keywords are letters, digits, "
                "`-` and `_`)");
        alternatives.push_back(keyword);
        if (bar == std::string::npos) break;
        start = bar + 1;
    }
    if (alternatives.size() > 1 && !grouped)
        throw command_policy_error("alternatives need parentheses: `(" + token + ")`");
    return alternatives;
}

policy_rule parse_rule(policy_rule::verdict action, std::string_view pattern) {
    policy_rule rule;
    rule.action = action;
    if (!pattern.empty() && pattern.front() == '|') {
        rule.pipe = true;
        pattern = trim(pattern.substr(1));
    }
    auto tokens = split_whitespace(pattern);
    if (!tokens.empty() && tokens.back() == "...") {
        rule.open_ended = true;
        tokens.pop_back();
    }
    if (tokens.empty()) throw command_policy_error("the rule needs at least one keyword");
    for (const auto& token : tokens) {
        if (token == "...") throw command_policy_error("`...` may only end a rule");
        rule.words.push_back(parse_position(token));
    }
    if (action == policy_rule::verdict::deny) rule.open_ended = true;
    return rule;
}

}  // namespace

command_policy command_policy::builtin() {
    return parse("", "built-in default");
}

command_policy command_policy::parse(std::string_view text, const std::string& source) {
    command_policy policy;
    policy.source_ = source;
    std::vector<policy_rule> own;
    std::optional<bool> defaults;
    auto add_rules = [](std::vector<policy_rule>& into, std::string_view body,
                        const std::string& name, bool builtin, auto&& on_defaults) {
        std::size_t line_no = 0, start = 0;
        while (start <= body.size()) {
            std::size_t end = body.find('\n', start);
            if (end == std::string_view::npos) end = body.size();
            std::string_view line = body.substr(start, end - start);
            start = end + 1;
            ++line_no;
            std::string where = builtin ? "built-in" : name + ":" + std::to_string(line_no);
            try {
                if (line.size() > max_policy_line_bytes)
                    throw command_policy_error("line longer than " +
                                               std::to_string(max_policy_line_bytes) + " bytes");
                if (auto hash = line.find('#'); hash != std::string_view::npos)
                    line = line.substr(0, hash);
                line = trim(line);
                if (line.empty()) continue;
                auto space = line.find_first_of(" \t|");
                std::string verb(line.substr(0, space));
                std::string_view rest =
                    space == std::string_view::npos ? std::string_view() : trim(line.substr(space));
                if (verb == "defaults") {
                    on_defaults(rest);
                    continue;
                }
                if (verb != "deny" && verb != "allow")
                    throw command_policy_error(
                        "expected `deny PATTERN`, `allow PATTERN` or "
                        "`defaults on|off`, got `" +
                        std::string(verb.substr(0, 40)) + "`");
                auto rule = parse_rule(
                    verb == "deny" ? policy_rule::verdict::deny : policy_rule::verdict::allow,
                    rest);
                rule.text = std::string(line);
                rule.origin = where;
                if (into.size() >= max_policy_rules)
                    throw command_policy_error("more than " + std::to_string(max_policy_rules) +
                                               " rules");
                into.push_back(std::move(rule));
            } catch (const command_policy_error& e) {
                throw command_policy_error(where + ": " + e.what());
            }
        }
    };
    add_rules(own, text, source, false, [&](std::string_view value) {
        if (defaults) throw command_policy_error("`defaults` given twice");
        if (value != "on" && value != "off")
            throw command_policy_error("expected `defaults on` or `defaults off`");
        defaults = value == "on";
    });
    if (defaults.value_or(true))
        add_rules(policy.rules_, default_policy_text, "", true, [](std::string_view) {});
    for (auto& rule : own) policy.rules_.push_back(std::move(rule));
    return policy;
}

command_policy command_policy::load(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw command_policy_error(file.string() + ": cannot open the command policy file");
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) throw command_policy_error(file.string() + ": read error");
    std::string text = content.str();
    if (text.size() > max_policy_file_bytes)
        throw command_policy_error(file.string() + ": larger than " +
                                   std::to_string(max_policy_file_bytes) + " bytes");
    return parse(text, file.string());
}

std::string command_policy::describe() const {
    std::size_t deny = 0, allow = 0, builtin = 0;
    for (const auto& r : rules_) {
        (r.action == policy_rule::verdict::deny ? deny : allow)++;
        if (r.origin == "built-in") ++builtin;
    }
    std::string out = source_ + ": " + std::to_string(deny) + " deny rules (" +
                      std::to_string(builtin) + " built-in), " + std::to_string(allow) +
                      " allow rules";
    if (allow > 0) out += " (allow list)";
    return out;
}

}  // namespace fanout::daemon
