#include "core/source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/signals.h"

namespace ev {

FileSource::FileSource(std::vector<std::string> files, std::size_t max_line, std::size_t block, Diagnostics& diag)
    : m_files(std::move(files)), m_max_line(max_line), m_block(block), m_diag(diag) {
    if (m_files.empty()) {
        m_files.push_back("-");
    }
}

FileSource::~FileSource() {
    if (m_fd > 0) {
        ::close(m_fd);
    }
}

bool FileSource::open_next() {
    if (m_fd > 0) {
        ::close(m_fd);
    }
    m_fd = -1;
    m_reader.reset();
    while (!m_stopped && m_next < m_files.size()) {
        const std::string& file = m_files[m_next++];
        m_line = 0;
        m_in_long = false;
        int fd = 0;
        if (file != "-") {
            // A FIFO with no writer yet would block a plain open, out of the
            // signal regime's reach; opened non-blocking, its first writer is
            // waited for in LineReader's poll like any input.
            fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
            if (fd < 0) {
                m_diag.error(fmt::format("{}: {}", file, std::strerror(errno)));
                m_io_failed = true;
                continue;
            }
            struct stat st;
            if (::fstat(fd, &st) == 0 && !S_ISFIFO(st.st_mode)) {
                ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
            }
        }
        m_fd = fd;
        m_reader = std::make_unique<LineReader>(fd, m_max_line, m_block);
        identify(fd, file);
        m_reader->set_idle([this] { idle(); });
        m_reader->set_interrupt([this] {
            m_stopped = m_stopped || signals::stop_requested_now();
            return m_stopped;
        });
        return true;
    }
    return false;
}

// Records the identity of the file just opened as stream m_next - 1 and, when
// it is one a state file saved, moves the reader to the saved offset.
void FileSource::identify(int fd, const std::string& file) {
    m_opened.resize(m_next);
    m_saved_used.resize(m_saved.size(), false);
    if (file == "-") {
        return;  // stdin: no position, even when it is a regular file
    }
    auto identity = identify_file(fd, file);
    if (!identity) {
        return;  // a FIFO or a device: read from where it is
    }
    FilePosition& opened = m_opened[m_next - 1];
    opened = std::move(identity).value();
    for (std::size_t i = 0; i < m_saved.size(); ++i) {
        if (!m_saved_used[i] && same_file(fd, m_saved[i])) {
            m_saved_used[i] = true;
            const auto offset = static_cast<off_t>(m_saved[i].offset);
            if (offset > 0 && ::lseek(fd, offset, SEEK_SET) == offset) {
                opened.offset = m_saved[i].offset;
                m_reader->start_at(m_saved[i].offset);
            }
            return;
        }
    }
}

Source::Status FileSource::next(Line& out, int timeout_ms) {
    for (;;) {
        if (!m_reader && !open_next()) {
            return Status::end;
        }
        std::string_view bytes;
        LineReader::Status status = m_reader->next(bytes, timeout_ms);
        switch (status) {
            case LineReader::Status::timeout:
                return Status::timeout;
            case LineReader::Status::end:
                if (m_stopped) {
                    return Status::end;
                }
                m_reader.reset();
                continue;
            case LineReader::Status::error: {
                const std::string& file = m_files[m_next - 1];
                m_diag.error(fmt::format("{}: read failed: {}", file == "-" ? "stdin" : file,
                                         std::strerror(m_reader->errno_value())));
                m_io_failed = true;
                m_reader.reset();
                continue;
            }
            case LineReader::Status::long_piece:
                if (!m_in_long) {
                    ++m_line;
                    m_in_long = true;
                }
                break;
            case LineReader::Status::long_end:
                if (!m_in_long) {
                    ++m_line;
                }
                m_in_long = false;
                break;
            case LineReader::Status::line:
                ++m_line;
                break;
        }
        out.bytes = bytes;
        out.stream = m_files[m_next - 1];
        out.number = m_line;
        out.position = Position{static_cast<uint32_t>(m_next - 1), static_cast<int64_t>(m_reader->offset())};
        return status == LineReader::Status::line         ? Status::line
               : status == LineReader::Status::long_piece ? Status::long_piece
                                                          : Status::long_end;
    }
}

int FileSource::poll_fd() {
    if (!m_reader) {
        open_next();
    }
    return m_reader ? m_reader->fd() : -1;
}

bool FileSource::drains_on_interrupt() const {
    for (const std::string& file : m_files) {
        struct stat st;
        if (file == "-" && ::fstat(0, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
            return true;
        }
    }
    return false;
}

}  // namespace ev
