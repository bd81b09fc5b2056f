#include "timeline/timeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <optional>

#include "core/ack.h"
#include "core/atomic_file.h"
#include "core/clock.h"
#include "core/exit_code.h"
#include "core/notify.h"
#include "core/text.h"
#include "expr/expr.h"
#include "timeline/entry.h"
#include "timeline/templates.h"

namespace ev::timeline {

namespace {

// A templates file is a few lines written by people; more is a mistake.
constexpr std::size_t k_max_templates_bytes = std::size_t{1} << 20;

std::string_view string_at(simdjson::dom::element event, const char* key) {
    std::string_view s;
    if (event[key].get_string().get(s) != simdjson::SUCCESS) {
        return {};
    }
    return s;
}

void add_hashtag(std::string_view raw, std::vector<std::string>& tags) {
    std::string tag = normalise_hashtag(raw);
    if (!tag.empty() && std::find(tags.begin(), tags.end(), tag) == tags.end()) {
        tags.push_back(std::move(tag));
    }
}

// The hashtags of an entry: state, tags.role, the template's, then source.
std::vector<std::string> hashtags_of(simdjson::dom::element event, const Template* used) {
    std::vector<std::string> tags;
    add_hashtag(string_at(event, "state"), tags);
    std::string_view role;
    if (event.at_pointer("/tags/role").get_string().get(role) == simdjson::SUCCESS) {
        add_hashtag(role, tags);
    }
    if (used) {
        for (const std::string& tag : used->tags) {
            add_hashtag(tag, tags);
        }
    }
    add_hashtag(string_at(event, "source"), tags);
    return tags;
}

class Engine {
public:
    Engine(const Options& options, Templates templates, std::optional<expr::Program> select, Sink& out,
           Diagnostics& diag)
        : m_options(options), m_templates(std::move(templates)), m_select(std::move(select)), m_out(out), m_diag(diag) {
        for (const std::string& tag : options.hashtags) {
            m_wanted.push_back(normalise_hashtag(tag));
        }
    }

    // Handles one event; false when the run must stop (--strict and a type error).
    bool handle(const Record& record) {
        if (m_select) {
            bool chosen = m_select->test(record.root, record.fields);
            if (auto error = m_select->error()) {
                ++m_type_errors;
                if (m_options.input.strict) {
                    m_diag.error(fmt::format("line {}: --select: {}", record.number, *error));
                    m_fatal = true;
                    return false;
                }
                m_diag.line_problem(record.file, record.number, fmt::format("--select: {}", *error));
                return true;
            }
            if (!chosen) {
                return true;
            }
        }
        const Template* used = nullptr;
        Entry entry;
        if (!m_templates.render(record.root, entry.text, used)) {
            return true;
        }
        entry.hashtags = hashtags_of(record.root, used);
        if (!wanted(entry)) {
            return true;
        }
        double time = 0;
        if (record.root["time"].get_double().get(time) == simdjson::SUCCESS) {
            entry.time = time;
        }
        append_plain(string_at(record.root, "subject"), entry.subject);
        entry.id = entry_id(string_at(record.root, "id"), record.line);
        ++m_lines;
        if (m_options.format == "text") {
            m_out.write_line(text_line(entry));
            return true;
        }
        m_entries.push_back(std::move(entry));
        if (m_entries.size() > m_options.max_entries) {
            m_entries.pop_front();
        }
        m_changed = true;
        return true;
    }

    // Writes the feed or page to --output when entries came since the last
    // write (or the file was never written), or to stdout at the end.
    Result<void> publish(bool at_end) {
        if (m_options.format == "text") {
            return {};
        }
        if (m_options.output.empty()) {
            if (at_end) {
                std::string doc = document();
                doc.pop_back();  // the sink ends the line
                m_out.write_line(doc);
            }
            return {};
        }
        if (!m_changed && m_written) {
            return {};
        }
        if (auto written = atomic_write(m_options.output, document(), 0644); !written) {
            return written;
        }
        m_changed = false;
        m_written = true;
        return {};
    }

    uint64_t lines() const { return m_lines; }
    uint64_t type_errors() const { return m_type_errors; }
    bool fatal() const { return m_fatal; }

private:
    bool wanted(const Entry& entry) const {
        if (m_wanted.empty()) {
            return true;
        }
        return std::any_of(entry.hashtags.begin(), entry.hashtags.end(), [&](const std::string& tag) {
            return std::find(m_wanted.begin(), m_wanted.end(), tag) != m_wanted.end();
        });
    }

    std::string document() const {
        std::vector<const Entry*> entries;
        for (const Entry& e : m_entries) {
            entries.push_back(&e);
        }
        FeedInfo info{m_options.feed_id, m_options.title, wall_clock().now()};
        return m_options.format == "atom" ? atom_feed(entries, info) : html_page(entries, info);
    }

    const Options& m_options;
    Templates m_templates;
    std::optional<expr::Program> m_select;
    Sink& m_out;
    Diagnostics& m_diag;
    std::vector<std::string> m_wanted;
    std::deque<Entry> m_entries;
    uint64_t m_lines = 0;
    uint64_t m_type_errors = 0;
    bool m_changed = false;
    bool m_written = false;
    bool m_fatal = false;
};

Result<Templates> load_templates(const Options& options) {
    if (options.templates_path.empty()) {
        return Templates::builtin();
    }
    auto text = read_text_file_at_most(options.templates_path, k_max_templates_bytes);
    if (!text) {
        return std::move(text).take_error();
    }
    return Templates::parse(*text, options.templates_path);
}

Result<void> check_options(const Options& options) {
    if (options.format == "text" && !options.output.empty()) {
        return make_error("--output is for --format atom or html (text goes to stdout)");
    }
    if (options.max_entries == 0) {
        return make_error("--max-entries must be at least 1");
    }
    for (const std::string& tag : options.hashtags) {
        if (normalise_hashtag(tag).empty()) {
            return make_error(fmt::format("--tag '{}': no letter, digit or '_'", tag));
        }
    }
    return {};
}

}  // namespace

int run(const Options& options, Input& input, Sink& out, Diagnostics& diag) {
    if (auto checked = check_options(options); !checked) {
        diag.error(checked.error());
        return exit_code::k_usage;
    }
    auto templates = load_templates(options);
    if (!templates) {
        diag.error(templates.error());
        return exit_code::k_usage;
    }
    std::optional<expr::Program> select;
    if (!options.select.empty()) {
        auto program = expr::Program::compile(options.select);
        if (!program) {
            diag.error(fmt::format("--select: {}", program.error()));
            return exit_code::k_usage;
        }
        select.emplace(std::move(program).value());
    }
    if (auto opened = input.open(); !opened) {
        diag.error(opened.error());
        return exit_code::k_io;
    }
    Engine engine(options, std::move(templates).value(), std::move(select), out, diag);
    SyncAck ack(out, input);
    bool publish_failed = false;
    auto publish = [&](bool at_end) {
        if (auto done = engine.publish(at_end); !done) {
            diag.error(done.error());
            publish_failed = true;
        }
    };
    // A live stream keeps --output current: the file is rewritten whenever
    // the input pauses after new lines.
    input.set_idle([&] {
        publish(false);
        (void)ack.flush();
    });
    notify::ready();
    Record record;
    for (;;) {
        Input::Next next = input.next(record);
        if (next == Input::Next::end) {
            break;
        }
        if (next == Input::Next::timeout) {
            continue;
        }
        bool go_on = engine.handle(record);
        if (engine.fatal()) {
            break;
        }
        ack.handled(record.position);
        if (!go_on || out.ended() || out.failed()) {
            break;
        }
    }
    notify::stopping();
    input.finish();
    if (engine.type_errors() > 0 && !engine.fatal()) {
        diag.error(
            fmt::format("{} type error{} in --select", engine.type_errors(), engine.type_errors() == 1 ? "" : "s"));
    }
    publish(true);
    (void)ack.flush();
    if (auto code = ending_exit_code(input, out, diag)) {
        return *code;
    }
    if (publish_failed) {
        return exit_code::k_io;
    }
    return engine.fatal() ? exit_code::k_bad_input : exit_code::k_ok;
}

}  // namespace ev::timeline
