#include "route/rule.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "core/kafka_config.h"
#include "route/words.h"

namespace ev::route {

namespace {

// Where a byte of a logical rule came from in the file.
struct Origin {
    std::size_t line = 0;  // from 1
    std::size_t col = 0;   // byte offset in the physical line, from 0
};

// A rule as written, possibly over several physical lines, with the origin
// of every byte so errors point into the file.
struct Logical {
    std::string text;
    std::vector<Origin> origins;
};

class Parser {
public:
    Parser(std::string_view text, std::string_view origin) : m_origin(origin) {
        std::size_t start = 0;
        while (start <= text.size()) {
            std::size_t nl = text.find('\n', start);
            std::string_view line =
                text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
            if (!line.empty() && line.back() == '\r') {
                line.remove_suffix(1);
            }
            m_lines.push_back(line);
            if (nl == std::string_view::npos) {
                break;
            }
            start = nl + 1;
        }
    }

    Result<std::vector<Rule>> parse() {
        std::vector<Rule> rules;
        std::set<std::string> names;
        std::optional<Logical> current;
        auto finish = [&]() -> Result<void> {
            if (!current) {
                return {};
            }
            auto rule = parse_rule(*current);
            current.reset();
            if (!rule) {
                return std::move(rule).take_error();
            }
            if (!names.insert(rule->name).second) {
                return make_error(m_pending_dup_error);
            }
            rules.push_back(std::move(rule).value());
            return {};
        };
        for (std::size_t n = 0; n < m_lines.size(); ++n) {
            std::string_view line = m_lines[n];
            // A path or argument ends at a NUL byte when it reaches the kernel:
            // refuse the file rather than act on a silently shortened word.
            if (std::size_t nul = line.find('\0'); nul != std::string_view::npos) {
                return error_at({n + 1, nul}, "a NUL byte is not allowed in rules");
            }
            std::size_t first = line.find_first_not_of(" \t");
            if (first == std::string_view::npos || line[first] == '#') {
                continue;
            }
            if (first > 0) {
                if (!current) {
                    return error_at({n + 1, first}, "a continuation line (indented) needs a rule above it");
                }
                current->text += '\n';
                current->origins.push_back({n, m_lines[n - 1].size()});
            } else {
                if (auto done = finish(); !done) {
                    return std::move(done).take_error();
                }
                current.emplace();
            }
            for (std::size_t i = 0; i < line.size(); ++i) {
                current->text += line[i];
                current->origins.push_back({n + 1, i});
            }
        }
        if (auto done = finish(); !done) {
            return std::move(done).take_error();
        }
        // Duplicate names are found after the rule parsed; report them at its name.
        return rules;
    }

private:
    Error error_at(Origin at, std::string_view message) const {
        std::string_view line = at.line >= 1 && at.line <= m_lines.size() ? m_lines[at.line - 1] : std::string_view{};
        std::size_t col = std::min(at.col, line.size());
        std::size_t chars = 0;
        std::string caret;
        for (std::size_t i = 0; i < col; ++i) {
            unsigned char c = static_cast<unsigned char>(line[i]);
            if ((c & 0xC0) != 0x80) {
                ++chars;
                caret += c == '\t' ? '\t' : ' ';
            }
        }
        std::string shown;
        for (char c : line) {
            unsigned char u = static_cast<unsigned char>(c);
            shown += (u < 0x20 && c != '\t') || u == 0x7F ? ' ' : c;
        }
        return make_error(
            fmt::format("{}:{}:{}: {}\n  {}\n  {}^", m_origin, at.line, chars + 1, message, shown, caret));
    }

    Error error_in(const Logical& logical, std::size_t offset, std::string_view message) const {
        Origin at;
        if (offset < logical.origins.size()) {
            at = logical.origins[offset];
        } else if (!logical.origins.empty()) {
            at = logical.origins.back();
            ++at.col;
        }
        return error_at(at, message);
    }

    // The offset of "->" after from, skipping quoted strings and regex literals.
    static std::size_t find_arrow(std::string_view text, std::size_t from) {
        char quote = 0;
        char prev1 = 0;  // last two non-blank characters outside literals
        char prev2 = 0;
        for (std::size_t i = from; i < text.size(); ++i) {
            char c = text[i];
            if (quote != 0) {
                if (c == '\\') {
                    ++i;
                } else if (c == quote) {
                    quote = 0;
                    prev2 = prev1;
                    prev1 = 'x';
                }
                continue;
            }
            if (c == '"' || c == '\'') {
                quote = c;
                continue;
            }
            if (c == '/' && prev1 == '~' && (prev2 == '=' || prev2 == '!')) {
                quote = '/';
                continue;
            }
            if (c == '-' && i + 1 < text.size() && text[i + 1] == '>') {
                return i;
            }
            if (c != ' ' && c != '\t' && c != '\n') {
                prev2 = prev1;
                prev1 = c;
            }
        }
        return std::string_view::npos;
    }

    static bool is_name_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
               c == '.';
    }

    static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

    Result<Rule> parse_rule(const Logical& logical) {
        std::string_view text = logical.text;
        std::size_t i = 0;
        if (text.substr(0, 4) != "rule" || (text.size() > 4 && !is_blank(text[4]))) {
            return error_in(logical, 0, "expected 'rule NAME when EXPR -> DESTINATION'");
        }
        i = 4;
        while (i < text.size() && is_blank(text[i])) {
            ++i;
        }
        std::size_t name_start = i;
        while (i < text.size() && is_name_char(text[i])) {
            ++i;
        }
        if (i == name_start || (i < text.size() && !is_blank(text[i]))) {
            return error_in(logical, i == name_start ? name_start : i,
                            "expected a rule name (letters, digits, '_', '-', '.') after 'rule'");
        }
        Rule rule;
        rule.name = std::string(text.substr(name_start, i - name_start));
        rule.origin = fmt::format("{}:{}", m_origin, logical.origins[0].line);
        m_pending_dup_error =
            error_in(logical, name_start, fmt::format("rule '{}' is defined twice", rule.name)).message;
        while (i < text.size() && is_blank(text[i])) {
            ++i;
        }
        std::size_t arrow = 0;
        if (text.substr(i, 2) == "->") {
            arrow = i;
        } else if (text.substr(i, 4) == "when" && (i + 4 == text.size() || is_blank(text[i + 4]))) {
            std::size_t expr_start = i + 4;
            arrow = find_arrow(text, expr_start);
            if (arrow == std::string_view::npos) {
                return error_in(logical, text.size(), "expected '->' and a destination after the expression");
            }
            while (expr_start < arrow && is_blank(text[expr_start])) {
                ++expr_start;
            }
            std::size_t expr_end = arrow;
            while (expr_end > expr_start && is_blank(text[expr_end - 1])) {
                --expr_end;
            }
            if (expr_end == expr_start) {
                return error_in(logical, expr_start, "expected an expression after 'when'");
            }
            rule.expression = std::string(text.substr(expr_start, expr_end - expr_start));
            auto program = expr::Program::compile(rule.expression);
            if (!program) {
                return compile_error(logical, expr_start, program.error());
            }
            rule.program.emplace(std::move(program).value());
        } else {
            return error_in(logical, i, "expected 'when EXPR ->' or '->' after the rule name");
        }
        std::size_t rest = arrow + 2;
        WordError word_error;
        bool ok = true;
        std::vector<Word> words = split_words(text.substr(rest), word_error, ok);
        if (!ok) {
            return error_in(logical, rest + word_error.offset, word_error.message);
        }
        // Options are unquoted keywords at the end: [continue] [policy P], in any order.
        for (int round = 0; round < 2; ++round) {
            if (!words.empty() && !words.back().quoted && !words.back().comma && words.back().text == "continue") {
                if (rule.keep_going) {
                    return error_in(logical, rest + words.back().offset, "'continue' given twice");
                }
                rule.keep_going = true;
                words.pop_back();
                continue;
            }
            if (words.size() >= 2 && !words[words.size() - 2].quoted && words[words.size() - 2].text == "policy") {
                const Word& value = words.back();
                if (value.text == "block") {
                    rule.policy = Policy::block;
                } else if (value.text == "drop") {
                    rule.policy = Policy::drop;
                } else if (value.text == "spill") {
                    rule.policy = Policy::spill;
                } else {
                    return error_in(logical, rest + value.offset,
                                    fmt::format("unknown policy '{}' (expected block, drop or spill)", value.text));
                }
                words.pop_back();
                words.pop_back();
            }
        }
        std::vector<Word> group;
        auto flush_group = [&](std::size_t at) -> Result<void> {
            if (group.empty()) {
                return error_in(logical, at,
                                "expected a destination (file, fifo, stdout, consumer, callback, drop or kafka:TOPIC)");
            }
            std::string message;
            std::size_t where = group.front().offset;
            auto spec = destination_from(group, message, where);
            if (!spec) {
                return error_in(logical, rest + where, message);
            }
            rule.destinations.push_back(std::move(*spec));
            group.clear();
            return {};
        };
        for (const Word& word : words) {
            if (word.comma) {
                if (auto done = flush_group(rest + word.offset); !done) {
                    return std::move(done).take_error();
                }
            } else {
                group.push_back(word);
            }
        }
        if (auto done = flush_group(text.size()); !done) {
            return std::move(done).take_error();
        }
        return rule;
    }

    Error compile_error(const Logical& logical, std::size_t expr_start, const std::string& error) const {
        std::string first = error.substr(0, error.find('\n'));
        std::size_t offset = 0;
        std::size_t at = first.find(" at offset ");
        if (at != std::string::npos) {
            std::size_t digits = at + 11;
            std::size_t end = digits;
            while (end < first.size() && first[end] >= '0' && first[end] <= '9') {
                ++end;
            }
            std::from_chars(first.data() + digits, first.data() + end, offset);
            first.erase(at, end - at);
        }
        return error_in(logical, expr_start + offset, first);
    }

public:
    // Builds a destination from its words; on failure sets message and where.
    static std::optional<DestSpec> destination_from(std::vector<Word> words, std::string& message, std::size_t& where) {
        for (const Word& word : words) {
            if (word.text.find('\0') != std::string::npos) {
                message = "a NUL byte is not allowed in a destination";
                where = word.offset;
                return std::nullopt;
            }
        }
        const Word kind = words.front();
        DestSpec spec;
        // "| DEST" after a consumer's command: where its standard output goes.
        std::optional<std::vector<Word>> output;
        for (std::size_t i = 1; i < words.size(); ++i) {
            if (!words[i].quoted && words[i].text == "|") {
                if (kind.quoted || kind.text != "consumer") {
                    message = "only a consumer's output can be sent on with '|' (quote it to pass it as an argument)";
                    where = words[i].offset;
                    return std::nullopt;
                }
                if (i + 1 == words.size()) {
                    message = "expected a destination after '|' (file PATH, fifo PATH, stdout, drop or kafka:TOPIC)";
                    where = words[i].offset;
                    return std::nullopt;
                }
                output.emplace(words.begin() + static_cast<std::ptrdiff_t>(i) + 1, words.end());
                words.resize(i);
                break;
            }
        }
        // "NAME:" right after the kind labels the destination, when more follows.
        bool labelled = !kind.quoted && (kind.text == "file" || kind.text == "fifo" || kind.text == "consumer" ||
                                         kind.text == "callback");
        if (labelled && words.size() >= 3 && !words[1].quoted && words[1].text.size() >= 2 &&
            words[1].text.back() == ':') {
            std::string_view name(words[1].text);
            name.remove_suffix(1);
            bool valid = std::all_of(name.begin(), name.end(), is_name_char);
            if (valid) {
                spec.name = std::string(name);
                words.erase(words.begin() + 1);
            }
        }
        auto args = words.size() - 1;
        auto want_path = [&](DestKind k) -> std::optional<DestSpec> {
            if (args != 1) {
                message = fmt::format("'{}' takes exactly one path", kind.text);
                where = args == 0 ? kind.offset : words[2 % words.size()].offset;
                return std::nullopt;
            }
            spec.kind = k;
            spec.path = words[1].text;
            if (spec.path.empty()) {
                message = "the path is empty";
                where = words[1].offset;
                return std::nullopt;
            }
            return spec;
        };
        auto want_none = [&](DestKind k) -> std::optional<DestSpec> {
            if (args != 0) {
                message = fmt::format("'{}' takes no arguments (separate destinations with ',')", kind.text);
                where = words[1].offset;
                return std::nullopt;
            }
            spec.kind = k;
            return spec;
        };
        auto want_argv = [&](DestKind k) -> std::optional<DestSpec> {
            if (args == 0) {
                message = fmt::format("'{}' needs a command", kind.text);
                where = kind.offset;
                return std::nullopt;
            }
            spec.kind = k;
            for (std::size_t i = 1; i < words.size(); ++i) {
                spec.argv.push_back(words[i].text);
            }
            if (spec.argv[0].empty()) {
                message = "the command is empty";
                where = words[1].offset;
                return std::nullopt;
            }
            if (output) {
                auto target = destination_from(*output, message, where);
                if (!target) {
                    return std::nullopt;
                }
                if (target->kind == DestKind::consumer || target->kind == DestKind::callback || !target->name.empty()) {
                    message = "a consumer's output goes to file PATH, fifo PATH, stdout, drop or kafka:TOPIC";
                    where = output->front().offset;
                    return std::nullopt;
                }
                spec.output.kind = target->kind;
                spec.output.path = target->path;
            }
            return spec;
        };
        if (!kind.quoted && is_kafka_target(kind.text)) {
            auto topics = parse_kafka_topics(kind.text);
            if (!topics || topics->size() != 1 || args != 0) {
                message = topics && topics->size() == 1 ? "'kafka:TOPIC' takes no arguments"
                          : topics                      ? "'kafka:' names one topic"
                                                        : topics.error();
                where = kind.offset;
                return std::nullopt;
            }
            spec.kind = DestKind::kafka;
            spec.path = topics->front();
            return spec;
        }
        if (!kind.quoted) {
            if (kind.text == "file") {
                return want_path(DestKind::file);
            }
            if (kind.text == "fifo") {
                return want_path(DestKind::fifo);
            }
            if (kind.text == "stdout") {
                return want_none(DestKind::stdout_);
            }
            if (kind.text == "drop") {
                return want_none(DestKind::drop);
            }
            if (kind.text == "consumer") {
                return want_argv(DestKind::consumer);
            }
            if (kind.text == "callback") {
                return want_argv(DestKind::callback);
            }
        }
        message = fmt::format(
            "unknown destination '{}' (expected file, fifo, stdout, consumer, callback, drop or kafka:TOPIC)",
            kind.text);
        where = kind.offset;
        return std::nullopt;
    }

private:
    std::string m_origin;
    std::vector<std::string_view> m_lines;
    std::string m_pending_dup_error;
};

void append_quoted_word(const std::string& word, std::string& out) {
    // Quoted too: what would read as a keyword of the syntax ("|", a "NAME:" label).
    bool plain =
        !word.empty() && word.find_first_of(" \t\n'\",\\") == std::string::npos && word != "|" && word.back() != ':';
    if (plain) {
        out += word;
        return;
    }
    out += '\'';
    for (char c : word) {
        if (c == '\'') {
            out += "'\"'\"'";
        } else {
            out += c;
        }
    }
    out += '\'';
}

}  // namespace

std::string_view policy_name(Policy policy) {
    switch (policy) {
        case Policy::block:
            return "block";
        case Policy::drop:
            return "drop";
        case Policy::spill:
            return "spill";
    }
    return "block";
}

std::string DestSpec::key() const {
    // The spelling quotes words, so it is already unambiguous; the kind comes first.
    return text();
}

std::string DestSpec::label() const {
    return name.empty() ? text() : name;
}

std::string DestSpec::text() const {
    std::string out;
    switch (kind) {
        case DestKind::file:
        case DestKind::fifo:
            out = kind == DestKind::file ? "file " : "fifo ";
            if (!name.empty()) {
                out += name + ": ";
            }
            append_quoted_word(path, out);
            break;
        case DestKind::stdout_:
            out = "stdout";
            break;
        case DestKind::drop:
            out = "drop";
            break;
        case DestKind::kafka:
            out = "kafka:" + path;
            break;
        case DestKind::consumer:
        case DestKind::callback:
            out = kind == DestKind::consumer ? "consumer" : "callback";
            if (!name.empty()) {
                out += ' ' + name + ':';
            }
            for (const std::string& arg : argv) {
                out += ' ';
                append_quoted_word(arg, out);
            }
            if (output.kind != DestKind::drop) {
                out += " | " + output_destination().text();
            }
            break;
    }
    return out;
}

DestSpec DestSpec::output_destination() const {
    DestSpec target;
    target.kind = output.kind;
    target.path = output.path;
    return target;
}

Result<std::vector<Rule>> parse_rules(std::string_view text, std::string_view origin) {
    return Parser(text, origin).parse();
}

Result<DestSpec> parse_destination(std::string_view text) {
    WordError word_error;
    bool ok = true;
    std::vector<Word> words = split_words(text, word_error, ok);
    if (!ok) {
        return make_error(fmt::format("'{}': {}", text, word_error.message));
    }
    if (words.empty()) {
        return make_error("expected a destination (file, fifo, stdout, consumer, callback, drop or kafka:TOPIC)");
    }
    for (const Word& word : words) {
        if (word.comma) {
            return make_error(fmt::format("'{}': only one destination is allowed here", text));
        }
    }
    std::string message;
    std::size_t where = 0;
    auto spec = Parser::destination_from(words, message, where);
    if (!spec) {
        return make_error(fmt::format("'{}': {}", text, message));
    }
    return std::move(*spec);
}

}  // namespace ev::route
