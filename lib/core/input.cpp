#include "core/input.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

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
    : m_options(std::move(options)), m_diag(diag), m_parser(m_options.max_line + 64) {
    if (m_options.files.empty()) {
        m_options.files.push_back("-");
    }
}

Input::~Input() {
    if (m_fd > 0) {
        ::close(m_fd);
    }
    m_rejects.reset();
    if (m_rejects_fd >= 0) {
        ::close(m_rejects_fd);
    }
}

Result<void> Input::open() {
    if (!m_options.rejects_path.empty()) {
        auto fd = open_append(m_options.rejects_path);
        if (!fd) {
            return make_error(fmt::format("cannot open rejects file {}", fd.error()));
        }
        m_rejects_fd = *fd;
        m_rejects = std::make_unique<Writer>(m_rejects_fd);
    }
    return {};
}

bool Input::open_next_file() {
    if (m_fd > 0) {
        ::close(m_fd);
    }
    m_fd = -1;
    m_reader.reset();
    while (m_next_file < m_options.files.size()) {
        m_file = m_options.files[m_next_file++];
        m_line = 0;
        int fd = 0;
        if (m_file != "-") {
            fd = ::open(m_file.c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                m_diag.error(fmt::format("{}: {}", m_file, std::strerror(errno)));
                m_io_failed = true;
                continue;
            }
        }
        m_fd = fd;
        m_reader = std::make_unique<LineReader>(fd, m_options.max_line, m_options.block);
        m_reader->set_idle([this] { on_idle(); });
        m_reader->set_interrupt([] { return signals::stop_requested(); });
        return true;
    }
    return false;
}

void Input::on_idle() {
    if (m_rejects) {
        (void)m_rejects->flush();
    }
    if (m_idle) {
        m_idle();
    }
}

void Input::reject_line(std::string_view bytes, bool complete, std::string_view reason) {
    if (m_rejects) {
        m_rejects->buffer().append(bytes);
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
        m_diag.error(m_file == "-" ? fmt::format("line {}: {}", m_line, reason)
                                   : fmt::format("{}: line {}: {}", m_file, m_line, reason));
        return;
    }
    m_diag.line_problem(m_file, m_line, reason);
}

void Input::reject(const Record& record, std::string_view reason) {
    reject_line(record.line, true, reason);
}

Input::Next Input::next(Record& out, int timeout_ms) {
    if (m_done || m_fatal) {
        return Next::end;
    }
    bool long_started = false;
    for (;;) {
        if (!m_reader && !open_next_file()) {
            m_done = true;
            return Next::end;
        }
        std::string_view line;
        LineReader::Status status = m_reader->next(line, timeout_ms);
        switch (status) {
            case LineReader::Status::timeout:
                return Next::timeout;
            case LineReader::Status::end:
                if (signals::stop_requested()) {
                    m_done = true;
                    return Next::end;
                }
                m_reader.reset();
                continue;
            case LineReader::Status::error:
                m_diag.error(fmt::format("{}: read failed: {}", m_file == "-" ? "stdin" : m_file,
                                         std::strerror(m_reader->errno_value())));
                m_io_failed = true;
                m_reader.reset();
                continue;
            case LineReader::Status::long_piece:
                if (!long_started) {
                    ++m_line;
                    long_started = true;
                }
                reject_line(line, false, {});
                continue;
            case LineReader::Status::long_end:
                if (!long_started) {
                    ++m_line;
                }
                long_started = false;
                reject_line(line, true, fmt::format("line longer than {} bytes", m_options.max_line));
                if (m_fatal) {
                    return Next::end;
                }
                continue;
            case LineReader::Status::line:
                break;
        }
        ++m_line;
        if (is_blank(line)) {
            continue;
        }
        simdjson::dom::element root;
        auto error = m_parser.parse(line.data(), line.size(), false).get(root);
        if (error != simdjson::SUCCESS) {
            reject_line(line, true, parse_error_reason(error));
        } else if (!root.is_object()) {
            reject_line(line, true, "not a JSON object");
        } else {
            out.line = line;
            out.file = m_file;
            out.number = m_line;
            out.root = root;
            out.position = Position{static_cast<uint32_t>(m_next_file - 1), static_cast<int64_t>(m_line)};
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

}  // namespace ev
