#include "filter/filter.h"

#include <fmt/format.h>

#include "core/ack.h"
#include "core/escape.h"
#include "core/exit_code.h"
#include "core/notify.h"
#include "core/signals.h"
#include "core/stats.h"
#include "core/writer.h"
#include "expr/expr.h"
#include "filter/keep.h"
#include "filter/rewrite.h"

namespace ev::filter {

namespace {

// The compiled --set and --del edits: sets first, in order, then deletes.
struct Edits {
    std::vector<Edit> edits;
    std::vector<std::optional<expr::Program>> values;  // one per edit; nothing for deletes
    std::vector<std::string> texts;                    // each --set as given, for diagnostics
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
        out.texts.push_back(text);
    }
    for (const std::string& text : options.dels) {
        auto path = Path::parse(text);
        if (!path) {
            return make_error(fmt::format("--del: {}", path.error()));
        }
        out.edits.push_back({std::move(path).value(), true, {}});
        out.values.emplace_back(std::nullopt);
        out.texts.push_back(text);
    }
    if (out.edits.size() > Rewriter::k_max_edits) {
        return make_error(fmt::format("at most {} --set and --del options", Rewriter::k_max_edits));
    }
    return out;
}

Result<std::optional<Keeper>> compile_keep(const Options& options) {
    if (options.keeps.empty()) {
        return std::optional<Keeper>();
    }
    std::vector<Path> paths;
    for (const std::string& text : options.keeps) {
        auto path = Path::parse(text);
        if (!path) {
            return make_error(fmt::format("--keep: {}", path.error()));
        }
        paths.push_back(std::move(path).value());
    }
    auto keeper = Keeper::make(std::move(paths));
    if (!keeper) {
        return std::move(keeper).take_error();
    }
    return std::optional<Keeper>(std::move(keeper).value());
}

// One run: every input event gives its outputs (one, or one per element of
// the --each array) through emit().
class Engine {
public:
    Engine(const Options& options, expr::Program filter, std::optional<expr::Program> raw, Edits edits,
           std::optional<Keeper> keeper, std::optional<Path> each, Sink& out, Diagnostics& diag)
        : m_options(options),
          m_filter(std::move(filter)),
          m_raw(std::move(raw)),
          m_edits(std::move(edits)),
          m_keeper(std::move(keeper)),
          m_each(std::move(each)),
          m_out(out),
          m_diag(diag) {}

    // Handles one input event; false when evfilter must stop (output gone,
    // -m reached, --strict and a type error).
    bool handle(const Record& record) {
        if (!m_each) {
            return emit(record, nullptr);
        }
        auto found = m_each->lookup(record.root);
        simdjson::dom::array array;
        if (!found || found->get_array().get(array) != simdjson::SUCCESS) {
            ++m_without_array;
            return true;
        }
        for (simdjson::dom::element item : array) {
            if (!emit(record, &item)) {
                return false;
            }
        }
        return true;
    }

    uint64_t outputs() const { return m_outputs; }
    uint64_t type_errors() const { return m_type_errors; }
    uint64_t without_array() const { return m_without_array; }
    bool fatal() const { return m_fatal; }

    // The counts a run reports on stderr at its end.
    void summarise() {
        if (m_without_array > 0) {
            m_diag.error(fmt::format("{} event{} without an array at --each {}", m_without_array,
                                     m_without_array == 1 ? "" : "s", m_options.each));
        }
        if (m_type_errors > 0 && !m_fatal) {
            m_diag.error(fmt::format("{} type error{} in expressions", m_type_errors, m_type_errors == 1 ? "" : "s"));
        }
    }

private:
    void bind(const simdjson::dom::element* item) {
        m_filter.bind_item(item);
        if (m_raw) {
            m_raw->bind_item(item);
        }
        for (auto& value : m_edits.values) {
            if (value) {
                value->bind_item(item);
            }
        }
    }

    // Counts and reports a type error met by an expression (what names it);
    // with --strict it ends the run.
    void type_error(const Record& record, std::string_view what, std::string_view error) {
        ++m_type_errors;
        std::string message = fmt::format("{}: {}", what, error);
        if (m_options.input.strict) {
            m_fatal = true;
            m_diag.error(record.file == "-" ? fmt::format("line {}: {}", record.number, message)
                                            : fmt::format("{}: line {}: {}", record.file, record.number, message));
            return;
        }
        m_diag.line_problem(record.file, record.number, message);
    }

    // One candidate output: the event, with item bound under --each.
    bool emit(const Record& record, const simdjson::dom::element* item) {
        bind(item);
        bool selected = m_filter.test(record.root, record.fields);
        if (auto error = m_filter.error()) {
            // Neither true nor false: not written, with or without -v.
            type_error(record, "EXPR", *error);
            return !m_fatal;
        }
        if (selected == m_options.invert) {
            return true;
        }
        if (m_raw) {
            if (!write_raw(record)) {
                return !m_fatal;
            }
        } else if (!m_options.count) {
            write_event(record);
            if (m_fatal) {
                return false;
            }
        }
        ++m_outputs;
        if (m_out.ended() || m_out.failed()) {
            return false;
        }
        return m_options.max_count == 0 || m_outputs < m_options.max_count;
    }

    bool write_raw(const Record& record) {
        m_scratch.clear();
        if (!m_raw->eval_raw(record.root, m_scratch)) {
            type_error(record, "-r", m_raw->error().value_or(""));
            return false;
        }
        if (m_options.raw_control) {
            m_out.buffer() += m_scratch;
        } else {
            append_escaped(m_scratch, m_out.buffer());
        }
        m_out.end_line();
        return true;
    }

    // Every value is computed from the event as read (like SQL's UPDATE ...
    // SET), then the edits apply in order and the event is re-encoded
    // canonically; --keep projects the result last.
    void write_event(const Record& record) {
        if (m_edits.edits.empty() && !m_keeper) {
            m_out.write_line(record.line);
            return;
        }
        simdjson::dom::element result = record.root;
        if (!m_edits.edits.empty()) {
            for (std::size_t i = 0; i < m_edits.edits.size(); ++i) {
                Edit& edit = m_edits.edits[i];
                edit.skip = false;
                if (!m_edits.values[i]) {
                    continue;
                }
                edit.value.clear();
                if (!m_edits.values[i]->eval_json(record.root, edit.value)) {
                    // The field stays as it was; the event is still written.
                    edit.skip = true;
                    type_error(record, fmt::format("--set '{}'", m_edits.texts[i]),
                               m_edits.values[i]->error().value_or(""));
                    if (m_fatal) {
                        return;
                    }
                }
            }
            if (!m_keeper) {
                m_rewriter.write(record.root, m_edits.edits, m_out.buffer());
                m_out.end_line();
                return;
            }
            m_edited.clear();
            m_rewriter.write(record.root, m_edits.edits, m_edited);
            // The edited event, parsed again to be projected (the buffer
            // keeps simdjson's padding, so nothing is copied).
            m_edited.reserve(m_edited.size() + simdjson::SIMDJSON_PADDING);
            if (m_reparser.parse(m_edited.data(), m_edited.size(), false).get(result) != simdjson::SUCCESS) {
                m_out.write_line(m_edited);  // cannot happen: the encoder wrote valid JSON
                return;
            }
        }
        m_keeper->write(result, m_out.buffer());
        m_out.end_line();
    }

    const Options& m_options;
    expr::Program m_filter;
    std::optional<expr::Program> m_raw;
    Edits m_edits;
    std::optional<Keeper> m_keeper;
    std::optional<Path> m_each;
    Sink& m_out;
    Diagnostics& m_diag;
    Rewriter m_rewriter;
    simdjson::dom::parser m_reparser;
    std::string m_edited;
    std::string m_scratch;
    uint64_t m_outputs = 0;
    uint64_t m_without_array = 0;
    uint64_t m_type_errors = 0;
    bool m_fatal = false;
};

// Checks the options and compiles every expression and path; a usage error otherwise.
Result<Engine> make_engine(const Options& options, Sink& out, Diagnostics& diag) {
    if (!options.raw.empty() &&
        (options.count || !options.sets.empty() || !options.dels.empty() || !options.keeps.empty())) {
        return make_error("-r prints a value, not events: it takes no -c, --set, --del or --keep");
    }
    if (options.raw_control && options.raw.empty()) {
        return make_error("--raw-control needs -r");
    }
    auto filter = expr::Program::compile(options.expression);
    if (!filter) {
        return std::move(filter).take_error();
    }
    std::optional<expr::Program> raw;
    if (!options.raw.empty()) {
        auto program = expr::Program::compile(options.raw);
        if (!program) {
            return make_error(fmt::format("-r: {}", program.error()));
        }
        raw.emplace(std::move(program).value());
    }
    auto edits = compile_edits(options);
    if (!edits) {
        return std::move(edits).take_error();
    }
    auto keeper = compile_keep(options);
    if (!keeper) {
        return std::move(keeper).take_error();
    }
    std::optional<Path> each;
    if (!options.each.empty()) {
        auto path = Path::parse(options.each);
        if (!path) {
            return make_error(fmt::format("--each: {}", path.error()));
        }
        each.emplace(std::move(path).value());
    }
    return Engine(options, std::move(filter).value(), std::move(raw), std::move(edits).value(),
                  std::move(keeper).value(), std::move(each), out, diag);
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
    auto engine = make_engine(options, out, diag);
    if (!engine) {
        diag.error(engine.error());
        return exit_code::k_usage;
    }

    if (auto opened = input.open(); !opened) {
        diag.error(opened.error());
        return exit_code::k_io;
    }
    // Delivery contract: a position is acknowledged only once everything
    // written for it is durable (a no-op for files and pipes).
    SyncAck ack(out, input);
    input.set_idle([&] { (void)ack.flush(); });

    Stats stats("evfilter");
    add_input_counters(stats, input);
    stats.add("out", [&] { return engine->outputs(); });
    stats.add("type_errors", [&] { return engine->type_errors(); });
    if (!options.each.empty()) {
        stats.add("without_array", [&] { return engine->without_array(); });
    }
    auto write_stats = [&] { stats.emit([&](std::string_view line) { out.write_line(line); }); };
    stats.start(options.stats.interval);
    notify::ready();

    Record record;
    for (;;) {
        Input::Next next = input.next(record, stats.wait_ms(-1));
        if (stats.due()) {
            write_stats();
        }
        if (next == Input::Next::timeout) {
            continue;
        }
        if (next == Input::Next::end) {
            break;
        }
        bool go_on = engine->handle(record);
        if (engine->fatal()) {
            break;  // --strict: the event that failed is not acknowledged
        }
        ack.handled(record.position);
        if (!go_on) {
            break;
        }
    }
    notify::stopping();
    input.finish();
    if (stats.enabled()) {
        write_stats();  // the same counters once at exit
    }
    engine->summarise();
    if (options.count) {
        fmt::format_to(std::back_inserter(out.buffer()), "{}", engine->outputs());
        out.end_line();
    }
    (void)ack.flush();
    if (auto code = ending_exit_code(input, out, diag)) {
        return *code;
    }
    if (engine->fatal()) {
        return exit_code::k_bad_input;
    }
    // A stop signal ends a stage that runs as a service (a Kafka consumer
    // above all) as the contract says: exit 0, not "nothing matched".
    return engine->outputs() > 0 || out.ended() || signals::stop_requested() ? exit_code::k_ok : exit_code::k_no_match;
}

}  // namespace ev::filter
