#include "graphite/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include "core/atomic_file.h"
#include "graphite/datapoint.h"
#include "graphite/md5.h"

namespace ev::graphite {

namespace {

constexpr std::string_view k_magic = "# evgraphite spool segment 1 ";
// A header is far shorter: the magic, two 20-digit numbers and 32 hex digits.
constexpr std::size_t k_header_max = 160;

Result<void> make_dirs(const std::string& dir) {
    std::size_t pos = 0;
    while (pos != std::string::npos) {
        pos = dir.find('/', pos + 1);
        std::string part = dir.substr(0, pos);
        if (part.empty()) {
            continue;
        }
        // The spool holds host and metric names: for its owner only.
        if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
            return make_error(fmt::format("cannot create {}: {}", part, std::strerror(errno)));
        }
    }
    return {};
}

std::string hex(const std::array<uint8_t, 16>& digest) {
    std::string out;
    for (uint8_t byte : digest) {
        fmt::format_to(std::back_inserter(out), "{:02x}", byte);
    }
    return out;
}

std::string md5_hex(std::string_view data) {
    return hex(md5(data));
}

// Reads "KEY=DIGITS" at the start of text; advances text past it.
bool take_number(std::string_view& text, std::string_view key, uint64_t& out) {
    if (text.substr(0, key.size()) != key) {
        return false;
    }
    text.remove_prefix(key.size());
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (error != std::errc{} || end == text.data() || (*text.data() == '0' && end - text.data() > 1)) {
        return false;
    }
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    return true;
}

// Reads up to limit bytes more from fd into out; false on a read error (errno set).
bool read_into(int fd, std::string& out, std::size_t limit) {
    char buf[1 << 16];
    while (limit > 0) {
        ssize_t n = ::read(fd, buf, std::min(sizeof buf, limit));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return false;
        }
        if (n == 0) {
            break;
        }
        out.append(buf, static_cast<std::size_t>(n));
        limit -= static_cast<std::size_t>(n);
    }
    return true;
}

// "an unterminated line of N bytes" when text ends in one, else "" (cut:
// text is only the end of the file).
std::string unterminated_line(std::string_view text, bool cut = false) {
    if (text.empty() || text.back() == '\n') {
        return "";
    }
    std::size_t last = text.rfind('\n');
    if (last == std::string_view::npos && cut) {
        return fmt::format("an unterminated line of more than {} bytes", text.size());
    }
    return fmt::format("an unterminated line of {} bytes",
                       last == std::string_view::npos ? text.size() : text.size() - last - 1);
}

// ", and it ends in an unterminated line of N bytes", or "".
std::string and_unterminated(std::string_view text, bool cut = false) {
    std::string line = unterminated_line(text, cut);
    return line.empty() ? line : ", and it ends in " + line;
}

// The same for the file open as fd, of size bytes, from its last 64 KiB.
std::string and_unterminated(int fd, uint64_t size) {
    std::string end(static_cast<std::size_t>(std::min<uint64_t>(size, 1 << 16)), '\0');
    ssize_t n = ::pread(fd, end.data(), end.size(), static_cast<off_t>(size - end.size()));
    if (n != static_cast<ssize_t>(end.size())) {
        return "";
    }
    return and_unterminated(end, end.size() < size);
}

// One segment file as read from disk.
struct Loaded {
    enum class Kind { good, bad, unreadable };
    Kind kind = Kind::good;
    std::string text;  // header and body (the whole file, when read whole)
    SegmentHeader header;
    std::string why;  // for bad and unreadable
};

// Reads segment path: its header, checked against the file's size, and
// with whole everything, checked completely.
Loaded load(const std::string& path, bool whole) {
    Loaded out;
    auto fail = [&out](Loaded::Kind kind, std::string why) {
        out.kind = kind;
        out.why = std::move(why);
        return std::move(out);
    };
    // O_NOFOLLOW: a symbolic link planted in the spool would send the file
    // it points to; O_NONBLOCK: a planted FIFO must not hang the open.
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ELOOP) {
            return fail(Loaded::Kind::bad, "is a symbolic link");
        }
        return fail(Loaded::Kind::unreadable, fmt::format("cannot be opened: {}", std::strerror(errno)));
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        return fail(Loaded::Kind::bad, "is not a regular file");
    }
    auto size = static_cast<uint64_t>(st.st_size);
    if (!read_into(fd, out.text, k_header_max)) {
        return fail(Loaded::Kind::unreadable, fmt::format("cannot be read: {}", std::strerror(errno)));
    }
    auto header = parse_segment_header(out.text);
    if (!header) {
        return fail(Loaded::Kind::bad, fmt::format("has no evgraphite segment header{}", and_unterminated(fd, size)));
    }
    out.header = *header;
    if (size != header->length + header->bytes) {
        return fail(Loaded::Kind::bad, fmt::format("holds {} bytes after its header, which announces {}{}",
                                                   size - std::min<uint64_t>(size, header->length), header->bytes,
                                                   and_unterminated(fd, size)));
    }
    if (!whole) {
        return out;
    }
    out.text.reserve(size);
    // One byte more than announced: a file that grew since fstat shows it.
    std::size_t rest = size > out.text.size() ? size - out.text.size() : 0;
    if (!read_into(fd, out.text, rest + 1)) {
        return fail(Loaded::Kind::unreadable, fmt::format("cannot be read: {}", std::strerror(errno)));
    }
    if (auto checked = check_segment(out.text); !checked) {
        return fail(Loaded::Kind::bad, checked.error());
    }
    return out;
}

}  // namespace

uint64_t parse_segment_name(std::string_view name) {
    if (name.size() != 24 || name.substr(20) != ".seg") {
        return 0;
    }
    uint64_t value = 0;
    for (std::size_t i = 0; i < 20; ++i) {
        char c = name[i];
        if (c < '0' || c > '9') {
            return 0;
        }
        uint64_t digit = static_cast<uint64_t>(c - '0');
        if (value > (UINT64_MAX - digit) / 10) {
            return 0;
        }
        value = value * 10 + digit;
    }
    return value;
}

std::string segment_header(std::string_view body) {
    return segment_header(std::span<const std::string_view>(&body, 1));
}

std::string segment_header(std::span<const std::string_view> body) {
    uint64_t lines = 0;
    uint64_t bytes = 0;
    Md5 sum;
    for (std::string_view piece : body) {
        lines += static_cast<uint64_t>(std::count(piece.begin(), piece.end(), '\n'));
        bytes += piece.size();
        sum.update(piece);
    }
    return fmt::format("{}lines={} bytes={} md5={}\n", k_magic, lines, bytes, hex(sum.digest()));
}

std::optional<SegmentHeader> parse_segment_header(std::string_view text) {
    std::size_t newline = text.find('\n');
    if (newline == std::string_view::npos || text.substr(0, k_magic.size()) != k_magic) {
        return std::nullopt;
    }
    SegmentHeader header;
    header.length = newline + 1;
    std::string_view rest = text.substr(k_magic.size(), newline - k_magic.size());
    if (!take_number(rest, "lines=", header.lines) || !take_number(rest, " bytes=", header.bytes) ||
        rest.substr(0, 5) != " md5=") {
        return std::nullopt;
    }
    rest.remove_prefix(5);
    if (rest.size() != 32 || rest.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
        return std::nullopt;
    }
    header.md5 = rest;
    return header;
}

Result<std::string_view> check_segment(std::string_view text) {
    // Said whatever else is wrong: an unterminated line marks a cut or appended file.
    std::string unterminated = and_unterminated(text);
    auto header = parse_segment_header(text);
    if (!header) {
        return make_error(fmt::format("has no evgraphite segment header{}", unterminated));
    }
    std::string_view body = text.substr(header->length);
    if (body.size() != header->bytes) {
        return make_error(fmt::format("holds {} bytes after its header, which announces {}{}", body.size(),
                                      header->bytes, unterminated));
    }
    if (md5_hex(body) != header->md5) {
        return make_error(
            fmt::format("does not match its checksum (changed since evgraphite wrote it){}", unterminated));
    }
    if (!unterminated.empty()) {
        // Only a forged header can get here: a complete segment ends with a newline.
        return make_error(fmt::format("ends in {}", unterminated_line(text)));
    }
    uint64_t lines = 0;
    for (std::size_t pos = 0; pos < body.size();) {
        std::size_t end = body.find('\n', pos);
        ++lines;
        if (!is_carbon_line(body.substr(pos, end - pos))) {
            // Line numbers count the header as line 1, as an editor shows them.
            return make_error(fmt::format("line {} is not a carbon line (path value timestamp)", lines + 1));
        }
        pos = end + 1;
    }
    if (lines != header->lines) {
        return make_error(fmt::format("holds {} lines, its header announces {}", lines, header->lines));
    }
    return body;
}

Result<std::unique_ptr<Spool>> Spool::open(const std::string& dir,
                                           const std::function<void(std::string_view)>& report) {
    if (auto made = make_dirs(dir); !made) {
        return std::move(made).take_error();
    }
    std::string lock_path = dir + "/lock";
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        return make_error(fmt::format("cannot open {}: {}", lock_path, std::strerror(errno)));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        return make_error(fmt::format("spool {} is in use by another process", dir));
    }
    std::unique_ptr<Spool> spool(new Spool(dir, fd));
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
        return make_error(fmt::format("cannot read {}: {}", dir, std::strerror(errno)));
    }
    std::vector<uint64_t> seqs;
    while (dirent* entry = ::readdir(d)) {
        std::string_view name = entry->d_name;
        bool old_tmp = name.size() > 8 && name.substr(name.size() - 8) == ".seg.tmp";
        if (old_tmp || is_atomic_temp_name(name)) {
            // A segment whose write never finished: its lines are still in
            // the memory of the process that died, or were never accepted.
            // The folder is locked, so no live writer owns it.
            ::unlink((dir + "/" + std::string(name)).c_str());
        } else if (uint64_t seq = parse_segment_name(name); seq != 0) {
            seqs.push_back(seq);
        }
    }
    ::closedir(d);
    std::sort(seqs.begin(), seqs.end());
    for (uint64_t seq : seqs) {
        // Only the header now, for the line count; the whole is checked at replay.
        Loaded loaded = load(spool->path_of(seq), false);
        if (loaded.kind == Loaded::Kind::good) {
            spool->m_found.push_back(SegmentInfo{seq, loaded.header.lines});
            continue;
        }
        ++spool->m_bad;
        report(loaded.kind == Loaded::Kind::bad
                   ? spool->set_aside(seq, loaded.why)
                   : fmt::format("spool segment {} {}; left in place, not sent", spool->path_of(seq), loaded.why));
    }
    return spool;
}

Spool::~Spool() {
    if (m_lock_fd >= 0) {
        ::close(m_lock_fd);
    }
}

std::string Spool::path_of(uint64_t seq) const {
    return fmt::format("{}/{:020}.seg", m_dir, seq);
}

std::string Spool::set_aside(uint64_t seq, std::string_view why) {
    std::string path = path_of(seq);
    // Never replace an earlier .bad: the first free of NAME.bad, NAME.bad.2, ...
    for (int n = 1; n < 1000; ++n) {
        std::string bad = n == 1 ? path + ".bad" : fmt::format("{}.bad.{}", path, n);
        if (::renameat2(AT_FDCWD, path.c_str(), AT_FDCWD, bad.c_str(), RENAME_NOREPLACE) == 0) {
            return fmt::format("spool segment {} {}; set aside as {}, nothing from it is sent", path, why, bad);
        }
        if (errno == EINVAL) {
            // No RENAME_NOREPLACE on this file system: a link cannot replace either.
            if (::link(path.c_str(), bad.c_str()) == 0) {
                ::unlink(path.c_str());
                return fmt::format("spool segment {} {}; set aside as {}, nothing from it is sent", path, why, bad);
            }
        }
        if (errno != EEXIST) {
            return fmt::format("spool segment {} {}; it could not be set aside ({}), and is not sent", path, why,
                               std::strerror(errno));
        }
    }
    return fmt::format("spool segment {} {}; it could not be set aside (too many .bad files), and is not sent", path,
                       why);
}

Result<void> Spool::write(uint64_t seq, std::string_view data) {
    return write(seq, std::span<const std::string_view>(&data, 1));
}

Result<void> Spool::write(uint64_t seq, std::span<const std::string_view> body) {
    std::string path = path_of(seq);
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        // Sequence numbers are never reused while a segment holds one.
        return make_error(fmt::format("cannot write {}: a segment of that number exists", path));
    }
    std::string header = segment_header(body);
    std::vector<std::string_view> pieces;
    pieces.reserve(body.size() + 1);
    pieces.push_back(header);
    pieces.insert(pieces.end(), body.begin(), body.end());
    if (auto written = atomic_write(path, pieces, k_private_file_mode); !written) {
        return make_error(fmt::format("cannot write {}", written.error()));
    }
    return {};
}

Result<std::string> Spool::read(uint64_t seq) {
    std::string path = path_of(seq);
    Loaded loaded = load(path, true);
    if (loaded.kind == Loaded::Kind::unreadable) {
        ++m_bad;
        return make_error(fmt::format("spool segment {} {}; left in place, not sent", path, loaded.why));
    }
    if (loaded.kind == Loaded::Kind::bad) {
        ++m_bad;
        return make_error(set_aside(seq, loaded.why));
    }
    loaded.text.erase(0, loaded.header.length);
    return std::move(loaded.text);
}

void Spool::remove(uint64_t seq) {
    ::unlink(path_of(seq).c_str());
}

}  // namespace ev::graphite
