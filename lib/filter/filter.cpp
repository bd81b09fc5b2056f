#include "filter/filter.h"

#include <fmt/format.h>

#include "core/ack.h"
#include "core/exit_code.h"
#include "core/signals.h"
#include "core/writer.h"
#include "expr/expr.h"
#include "filter/rewrite.h"

namespace ev::filter {

namespace {

// The compiled --set and --del edits: sets first, in order, then deletes.
struct Edits {
    std::vector<Edit> edits;
    std::vector<std::optional<expr::Program>> values;  // one per edit; nothing for deletes
};

Result<Edits> compile_edits(const Options& options) {
    Edits out;
    for (const std::string& text : options.sets) {
        auto assignment = parse_assignment(text);
        if (!assignment) {
            return make_error(fmt::format("--set '{}': {}", text, assignment.error()));
        }
        auto program = expr::Program::compile(assignment->expression);
        if (!program) {
            return make_error(fmt::format("--set '{}': {}", text, program.error()));
        }
        out.edits.push_back({std::move(assignment->path), false, {}});
        out.values.emplace_back(std::move(program).value());
    }
    for (const std::string& text : options.dels) {
        auto path = Path::parse(text);
        if (!path) {
            return make_error(fmt::format("--del: {}", path.error()));
        }
        out.edits.push_back({std::move(path).value(), true, {}});
        out.values.emplace_back(std::nullopt);
    }
    if (out.edits.size() > Rewriter::k_max_edits) {
        return make_error(fmt::format("at most {} --set and --del options", Rewriter::k_max_edits));
    }
    return out;
}

// Every value is computed from the event as read (like SQL's UPDATE ... SET),
// then the edits apply in order and the event is re-encoded canonically.
void write_edited(Edits& edits, Rewriter& rewriter, simdjson::dom::element root, Sink& out) {
    for (std::size_t i = 0; i < edits.edits.size(); ++i) {
        if (edits.values[i]) {
            edits.edits[i].value.clear();
            edits.values[i]->eval_json(root, edits.edits[i].value);
        }
    }
    rewriter.write(root, edits.edits, out.buffer());
    out.end_line();
}

}  // namespace

Result<Assignment> parse_assignment(std::string_view text) {
    std::size_t eq = find_outside_quotes(text, 0, '=');
    if (eq == std::string_view::npos) {
        return make_error("expected PATH=EXPR");
    }
    auto trim = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
            s.remove_prefix(1);
        }
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
            s.remove_suffix(1);
        }
        return s;
    };
    auto path = Path::parse(trim(text.substr(0, eq)));
    if (!path) {
        return std::move(path).take_error();
    }
    std::string_view rhs = trim(text.substr(eq + 1));
    if (rhs.empty()) {
        return make_error("expected PATH=EXPR, the expression is empty");
    }
    return Assignment{std::move(path).value(), std::string(rhs)};
}

int run(const Options& options, Input& input, Sink& out, Diagnostics& diag) {
    auto program = expr::Program::compile(options.expression);
    if (!program) {
        diag.error(program.error());
        return exit_code::k_usage;
    }
    auto edits = compile_edits(options);
    if (!edits) {
        diag.error(edits.error());
        return exit_code::k_usage;
    }
    Rewriter rewriter;

    if (auto opened = input.open(); !opened) {
        diag.error(opened.error());
        return exit_code::k_io;
    }
    // Delivery contract: a position is acknowledged only once everything
    // written for it is durable (a no-op for files and pipes).
    SyncAck ack(out, input);
    input.set_idle([&] { (void)ack.flush(); });

    uint64_t matched = 0;
    Record record;
    while (input.next(record) == Input::Next::record) {
        if (program->test(record.root, record.fields) != options.invert) {
            ++matched;
            if (!options.count) {
                if (edits->edits.empty()) {
                    out.write_line(record.line);
                } else {
                    write_edited(*edits, rewriter, record.root, out);
                }
                if (out.ended() || out.failed()) {
                    break;
                }
            }
        }
        ack.handled(record.position);
        if (options.max_count != 0 && matched >= options.max_count) {
            break;
        }
    }
    input.finish();
    if (options.count) {
        fmt::format_to(std::back_inserter(out.buffer()), "{}", matched);
        out.end_line();
    }
    (void)ack.flush();
    if (auto code = ending_exit_code(input, out, diag)) {
        return *code;
    }
    // A stop signal ends a stage that runs as a service (a Kafka consumer
    // above all) as the contract says: exit 0, not "nothing matched".
    return matched > 0 || out.ended() || signals::stop_requested() ? exit_code::k_ok : exit_code::k_no_match;
}

}  // namespace ev::filter
