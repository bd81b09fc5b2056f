#include "core/input.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/exit_code.h"
#include "core/kafka_sink.h"
#include "core/signals.h"

namespace ev {

namespace {

bool is_blank(std::string_view line) {
    for (char c : line) {
        if (c != ' ' && c != '\t') {
            return false;
        }
    }
    return true;
}

std::string parse_error_reason(simdjson::error_code error) {
    if (error == simdjson::UTF8_ERROR) {
        return "invalid UTF-8";
    }
    return fmt::format("invalid JSON: {}", simdjson::error_message(error));
}

}  // namespace

Input::Input(InputOptions options, Diagnostics& diag)
    : Input(options, diag, std::make_unique<FileSource>(options.files, options.max_line, options.block, diag)) {}

Input::Input(InputOptions options, Diagnostics& diag, std::unique_ptr<Source> source)
    : m_options(std::move(options)),
      m_diag(diag),
      m_source(std::move(source)),
      m_parsers{simdjson::dom::parser(m_options.max_line + 64), simdjson::dom::parser(m_options.max_line + 64)} {
    m_source->set_idle([this] { on_idle(); });
}

Input::~Input() {
    m_rejects.reset();
    if (m_rejects_fd >= 0) {
        ::close(m_rejects_fd);
    }
}

Result<void> Input::open() {
    if (is_kafka_target(m_options.rejects_path)) {
        // A dead-letter topic: each bad line becomes one message, unkeyed.
        auto topics = parse_kafka_topics(m_options.rejects_path);
        if (!topics || topics->size() != 1) {
            return make_error(
                fmt::format("--rejects {}: {}", m_options.rejects_path, topics ? "names one topic" : topics.error()));
        }
        auto sink = KafkaSink::open(m_options.kafka, topics->front(), {}, m_diag);
        if (!sink) {
            return make_error(fmt::format("--rejects {}: {}", m_options.rejects_path, sink.error()));
        }
        m_rejects = std::move(sink).value();
    } else if (!m_options.rejects_path.empty()) {
        auto fd = open_private_append(m_options.rejects_path);
        if (!fd) {
            return make_error(fmt::format("cannot open rejects file {}", fd.error()));
        }
        m_rejects_fd = *fd;
        m_rejects = std::make_unique<Writer>(m_rejects_fd);
    }
    signals::set_drain_on_interrupt(m_source->drains_on_interrupt());
    return {};
}

void Input::on_idle() {
    if (m_rejects) {
        (void)m_rejects->flush();
    }
    if (m_idle) {
        m_idle();
    }
}

void Input::reject_line(const Source::Line& line, bool complete, std::string_view reason) {
    if (m_rejects) {
        m_rejects->buffer().append(line.bytes);
        if (complete) {
            m_rejects->end_line();
        }
    }
    if (!complete) {
        return;
    }
    ++m_rejected;
    if (m_options.strict) {
        m_fatal = true;
        m_diag.error(line.stream == "-" ? fmt::format("line {}: {}", line.number, reason)
                                        : fmt::format("{}: line {}: {}", line.stream, line.number, reason));
        return;
    }
    m_diag.line_problem(line.stream, line.number, reason);
}

void Input::reject(const Record& record, std::string_view reason) {
    Source::Line line{record.line, record.file, record.number, record.position, {}};
    reject_line(line, true, reason);
}

Input::Next Input::next(Record& out, int timeout_ms) {
    if (m_done || m_fatal) {
        return Next::end;
    }
    Source::Line line;
    for (;;) {
        switch (m_source->next(line, timeout_ms)) {
            case Source::Status::timeout:
                return Next::timeout;
            case Source::Status::end:
                m_done = true;
                return Next::end;
            case Source::Status::long_piece:
                reject_line(line, false, {});
                continue;
            case Source::Status::long_end:
                reject_line(line, true, fmt::format("line longer than {} bytes", m_options.max_line));
                if (m_fatal) {
                    return Next::end;
                }
                continue;
            case Source::Status::line:
                break;
        }
        if (!line.problem.empty()) {
            reject_line(line, true, line.problem);
            if (m_fatal) {
                return Next::end;
            }
            continue;
        }
        if (is_blank(line.bytes)) {
            continue;
        }
        simdjson::dom::element root;
        // A parser allocates only when first used: the second costs nothing
        // unless keep_previous() asked for it.
        auto error = m_parsers[m_turn].parse(line.bytes.data(), line.bytes.size(), false).get(root);
        if (error != simdjson::SUCCESS) {
            reject_line(line, true, parse_error_reason(error));
        } else if (!root.is_object()) {
            reject_line(line, true, "not a JSON object");
        } else if (auto dup = out.fields.index(root.get_object().value_unsafe()); !dup.empty()) {
            reject_line(line, true, fmt::format("duplicate key \"{}\"", dup));
        } else if (out.fields.state_and_severity_disagree()) {
            // Each implies the other (docs/events.md): tools reading one or
            // the other would see two different events.
            reject_line(line, true, "state and severity disagree");
        } else {
            out.line = line.bytes;
            out.file = line.stream;
            out.number = line.number;
            out.root = root;
            out.position = line.position;
            if (m_keep_previous) {
                m_turn ^= 1;
            }
            ++m_records;
            return Next::record;
        }
        if (m_fatal) {
            return Next::end;
        }
    }
}

void Input::finish() {
    if (m_rejects) {
        (void)m_rejects->flush();
    }
    if (m_rejected > 0 && !m_fatal) {
        std::string msg = fmt::format("{} line{} rejected", m_rejected, m_rejected == 1 ? "" : "s");
        if (m_diag.suppressed() > 0) {
            msg += fmt::format(" ({} not shown)", m_diag.suppressed());
        }
        if (!m_options.rejects_path.empty()) {
            msg += fmt::format(", written to {}", m_options.rejects_path);
        }
        m_diag.error(msg);
    }
}

std::optional<int> ending_exit_code(const Input& input, const Sink& out, Diagnostics& diag) {
    if (out.failed()) {
        diag.error(out.error());
        return exit_code::k_io;
    }
    if (input.fatal()) {
        return exit_code::k_bad_input;
    }
    if (input.io_failed()) {
        return exit_code::k_io;
    }
    return std::nullopt;
}

}  // namespace ev
