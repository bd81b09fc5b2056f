#include "status/top.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <optional>
#include <sstream>
#include <tuple>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/duration.h"
#include "core/escape.h"
#include "core/exit_code.h"
#include "core/signals.h"
#include "core/state.h"
#include "status/query.h"

namespace ev::status {

namespace {

// Worst first: the order an operator reads a board in.
int badness(State state) {
    switch (state) {
        case State::critical:
            return 0;
        case State::unknown:
            return 1;
        case State::warning:
            return 2;
        case State::ok:
            break;
    }
    return 3;
}

// The first columns characters of line (escaped text: one column each).
std::string cut_to_columns(const std::string& line, std::size_t columns) {
    std::size_t seen = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) {
            if (seen == columns) {
                return line.substr(0, i);
            }
            ++seen;
        }
    }
    return line;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

std::string header_of(const std::string& state_path, const Snapshot& snapshot, const std::vector<Selected>& selected,
                      const std::string& filter) {
    std::array<std::size_t, 4> count{};  // by badness
    for (const Selected& s : selected) {
        ++count[static_cast<std::size_t>(badness(s.identity->state.state))];
    }
    std::string out = fmt::format("evstatus top: {} (saved {}, {} clock)\n", escape_text(state_path),
                                  format_utc(snapshot.time), snapshot.clock == ClockKind::event ? "event" : "wall");
    out += fmt::format("critical {}  unknown {}  warning {}  ok {}\n", count[0], count[1], count[2], count[3]);
    if (!filter.empty()) {
        out += fmt::format("filter: {} ({} of {})\n", escape_text(filter), selected.size(), snapshot.identities.size());
    }
    return out;
}

}  // namespace

namespace {

bool worse_first(const SavedIdentity& x, const SavedIdentity& y) {
    return std::tuple(badness(x.state.state), x.state.since, std::string_view(x.subject), std::string_view(x.name)) <
           std::tuple(badness(y.state.state), y.state.since, std::string_view(y.subject), std::string_view(y.name));
}

}  // namespace

void sort_worst_first(std::vector<Selected>& selected) {
    std::stable_sort(selected.begin(), selected.end(),
                     [](const Selected& a, const Selected& b) { return worse_first(*a.identity, *b.identity); });
}

std::string board_text(const std::string& state_path, const Snapshot& snapshot, std::vector<Selected> selected,
                       const std::vector<bool>* silenced, const std::string& filter, BoardSize size) {
    // Sorted by index, so the silenced marks follow their rows.
    std::vector<std::size_t> order(selected.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(), [&selected](std::size_t a, std::size_t b) {
        return worse_first(*selected[a].identity, *selected[b].identity);
    });
    std::vector<Selected> sorted;
    sorted.reserve(order.size());
    std::vector<bool> marks;
    for (std::size_t i : order) {
        sorted.push_back(std::move(selected[i]));
        if (silenced != nullptr) {
            marks.push_back((*silenced)[i]);
        }
    }
    std::string header = header_of(state_path, snapshot, sorted, filter);
    std::string table = table_of(sorted, silenced != nullptr ? &marks : nullptr);
    if (size.columns == 0) {
        return header + "\n" + table;
    }
    std::vector<std::string> lines = lines_of(header);
    lines.emplace_back();
    std::vector<std::string> rows = lines_of(table);
    std::size_t room = size.rows > lines.size() ? size.rows - lines.size() : 0;
    if (rows.size() > room && room > 0) {
        std::size_t hidden = rows.size() - (room - 1);
        rows.resize(room - 1);
        rows.push_back(fmt::format("... and {} more", hidden));
    }
    lines.insert(lines.end(), rows.begin(), rows.end());
    lines.resize(std::min(lines.size(), size.rows));
    std::string out;
    for (const std::string& line : lines) {
        out += cut_to_columns(line, size.columns);
        out += '\n';
    }
    return out;
}

namespace {

// What makes the board: the last good state file, its silences, the filter.
struct BoardData {
    Snapshot snapshot;
    std::vector<Selected> selected;
    std::optional<std::vector<bool>> silenced;
};

Result<BoardData> load_board(const TopOptions& options) {
    auto loaded = load_saved_state(options.state_path);
    if (!loaded) {
        return std::move(loaded).take_error();
    }
    BoardData data{std::move(loaded).value(), {}, {}};
    return data;
}

// Selects by filter and marks silences; an error leaves data as it was.
Result<void> reselect(BoardData& data, const TopOptions& options, const std::string& filter) {
    auto selected = select(data.snapshot, filter);
    if (!selected) {
        return std::move(selected).take_error();
    }
    std::optional<std::vector<bool>> silenced;
    if (!options.silences_path.empty()) {
        auto marks = silenced_marks(options.silences_path, data.snapshot, *selected);
        if (!marks) {
            return std::move(marks).take_error();
        }
        silenced = std::move(marks).value();
    }
    data.selected = std::move(selected).value();
    data.silenced = std::move(silenced);
    return {};
}

// The identity of the state file's current version: a save replaces it
// (new inode), an edit in place changes its mtime or size.
struct FileStamp {
    dev_t dev = 0;
    ino_t ino = 0;
    long long mtime_ns = 0;
    off_t size = -1;
    bool operator==(const FileStamp&) const = default;
};

FileStamp stamp_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return {};
    }
    return {st.st_dev, st.st_ino, static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec,
            st.st_size};
}

// Raw mode (no echo, keys as they come; Ctrl-C still from the keyboard,
// so it arrives as SIGINT through the core regime) and the alternate
// screen; the destructor restores both, on every way out of top().
class Terminal {
public:
    Terminal(int in_fd, int out_fd) : in_(in_fd), out_(out_fd) {
        if (tcgetattr(in_, &saved_) == 0) {
            termios raw = saved_;
            raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | IEXTEN);
            raw.c_iflag &= ~static_cast<tcflag_t>(IXON | ICRNL);
            raw.c_cc[VMIN] = 1;
            raw.c_cc[VTIME] = 0;
            // No Ctrl-Z: a stopped board would leave its screen behind, and
            // nothing redraws it on fg (the regime has no SIGCONT).
            raw.c_cc[VSUSP] = _POSIX_VDISABLE;
            raw_ = tcsetattr(in_, TCSANOW, &raw) == 0;
        }
        write_all(out_, "\x1b[?1049h\x1b[?25l\x1b[2J");
    }
    ~Terminal() {
        write_all(out_, "\x1b[?25h\x1b[?1049l");
        if (raw_) {
            tcsetattr(in_, TCSANOW, &saved_);
        }
    }
    Terminal(const Terminal&) = delete;
    Terminal& operator=(const Terminal&) = delete;

    BoardSize size() const {
        winsize ws{};
        if (ioctl(out_, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 1) {
            return {ws.ws_col, ws.ws_row};
        }
        return {80, 24};
    }

private:
    int in_;
    int out_;
    termios saved_{};
    bool raw_ = false;
};

// The keys, as the live loop sees them.
enum class Key { none, quit, slash, escape, enter, backspace, kill_line, text };

// Splits a read of the keyboard into keys; an escape sequence (an arrow,
// a function key) is skipped whole, a lone ESC is the Esc key.
std::vector<std::pair<Key, char>> keys_of(std::string_view bytes) {
    std::vector<std::pair<Key, char>> keys;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        char c = bytes[i];
        if (c == '\x1b') {
            if (i + 1 < bytes.size() && (bytes[i + 1] == '[' || bytes[i + 1] == 'O')) {
                i += 2;
                while (i < bytes.size() && !(bytes[i] >= 0x40 && bytes[i] <= 0x7e)) {
                    ++i;
                }
                continue;
            }
            keys.emplace_back(Key::escape, c);
        } else if (c == '\r' || c == '\n') {
            keys.emplace_back(Key::enter, c);
        } else if (c == '\x7f' || c == '\b') {
            keys.emplace_back(Key::backspace, c);
        } else if (c == '\x15') {
            keys.emplace_back(Key::kill_line, c);
        } else if (static_cast<unsigned char>(c) >= 0x20) {
            keys.emplace_back(Key::text, c);
        }
    }
    return keys;
}

void pop_character(std::string& text) {
    while (!text.empty()) {
        bool lead = (static_cast<unsigned char>(text.back()) & 0xC0) != 0x80;
        text.pop_back();
        if (lead) {
            return;
        }
    }
}

// The live board: its filter, the prompt being typed, the last message.
class LiveBoard {
public:
    LiveBoard(const TopOptions& options, BoardData data, std::string filter, int out_fd, double interval)
        : options_(options),
          data_(std::move(data)),
          filter_(std::move(filter)),
          out_(out_fd),
          interval_(interval),
          stamp_(stamp_of(options.state_path)) {}

    void run(int in_fd) {
        Terminal terminal(in_fd, out_);
        double next_look = steady_now() + interval_;
        bool clear = true;
        while (!signals::stop_requested() && !quit_) {
            if (signals::take_resize()) {
                clear = true;
            }
            draw(terminal.size(), clear);
            clear = false;
            pollfd pfd{in_fd, POLLIN, 0};
            auto wait_ms = static_cast<int>(std::ceil(std::max(0.0, next_look - steady_now()) * 1000));
            int ready = signals::poll(&pfd, 1, wait_ms);
            if (ready > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
                read_keys(in_fd);
            }
            if (steady_now() >= next_look) {
                look();
                next_look = steady_now() + interval_;
            }
        }
    }

private:
    // Re-reads the state file when it changed, and the silences every time
    // (a silence starts or ends without the state file changing). A new
    // board replaces the old one whole, or not at all: the rows point into
    // their snapshot. What failed is retried at the next look.
    void look() {
        FileStamp now = stamp_of(options_.state_path);
        if (now == stamp_) {
            auto done = reselect(data_, options_, filter_);
            look_error_ = done ? "" : done.error();
            return;
        }
        auto loaded = load_saved_state(options_.state_path);
        if (!loaded) {
            look_error_ = loaded.error();  // keep the last good board
            return;
        }
        BoardData fresh{std::move(loaded).value(), {}, {}};
        if (auto done = reselect(fresh, options_, filter_); !done) {
            look_error_ = done.error();
            return;
        }
        data_ = std::move(fresh);  // the vectors move their buffers: the rows' pointers stay valid
        stamp_ = now;
        look_error_.clear();
    }

    void read_keys(int in_fd) {
        char buf[256];
        ssize_t n = ::read(in_fd, buf, sizeof buf);
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
            quit_ = true;  // the terminal went away
            return;
        }
        if (n < 0) {
            return;
        }
        for (auto [key, c] : keys_of(std::string_view(buf, static_cast<std::size_t>(n)))) {
            filter_error_.clear();  // read; the next key clears it
            if (prompt_) {
                on_prompt_key(key, c);
            } else if (key == Key::text && c == 'q') {
                quit_ = true;
                return;
            } else if (key == Key::text && c == '/') {
                prompt_ = std::string();
            } else if (key == Key::escape) {
                apply_filter("");
            }
        }
    }

    void on_prompt_key(Key key, char c) {
        switch (key) {
            case Key::escape:
                prompt_.reset();
                break;
            case Key::enter: {
                std::string typed = std::move(*prompt_);
                prompt_.reset();
                apply_filter(typed);
                break;
            }
            case Key::backspace:
                pop_character(*prompt_);
                break;
            case Key::kill_line:
                prompt_->clear();
                break;
            case Key::text:
                *prompt_ += c;
                break;
            default:
                break;
        }
    }

    // A filter that does not compile leaves the board as it was, saying why.
    void apply_filter(const std::string& filter) {
        if (auto done = reselect(data_, options_, filter); !done) {
            filter_error_ = "filter: " + done.error();
            return;
        }
        filter_ = filter;
    }

    std::string bottom_line() const {
        if (prompt_) {
            return "/" + escape_text(*prompt_);
        }
        if (!look_error_.empty()) {
            return escape_text(look_error_);
        }
        if (!filter_error_.empty()) {
            return escape_text(filter_error_);
        }
        return "q quit  / filter  Esc clear filter";
    }

    // One frame: the board at the terminal's size, the prompt or help in the
    // last row; written only when it differs from the last one drawn.
    void draw(BoardSize size, bool clear) {
        std::string board =
            board_text(options_.state_path, data_.snapshot, data_.selected, data_.silenced ? &*data_.silenced : nullptr,
                       filter_, {size.columns, size.rows - 1});
        std::string bottom = cut_to_columns(bottom_line(), size.columns - 1);
        std::string frame = clear ? "\x1b[2J\x1b[H" : "\x1b[H";
        for (const std::string& line : lines_of(board)) {
            frame += line;
            frame += "\x1b[K\r\n";
        }
        frame += "\x1b[J";
        frame += fmt::format("\x1b[{};1H", size.rows);
        frame += bottom;
        frame += "\x1b[K";
        if (clear || frame != last_frame_) {
            write_all(out_, frame);
            last_frame_ = std::move(frame);
        }
    }

    const TopOptions& options_;
    BoardData data_;
    std::string filter_;
    int out_;
    double interval_;
    FileStamp stamp_;
    std::optional<std::string> prompt_;  ///< the filter being typed after '/'
    std::string look_error_;             ///< why the last look failed (state file, silences); empty: it did not
    std::string filter_error_;           ///< why the last filter was refused, until the next key
    std::string last_frame_;
    bool quit_ = false;
};

}  // namespace

int top(const TopOptions& options, int out_fd, Diagnostics& diag) {
    auto interval = parse_duration(options.interval);
    if (!interval || *interval <= 0) {
        diag.error(fmt::format("--interval: expected a positive duration, not '{}'", options.interval));
        return exit_code::k_usage;
    }
    auto data = load_board(options);
    if (!data) {
        diag.error(data.error());
        return exit_code::k_usage;
    }
    if (auto done = reselect(*data, options, options.expression); !done) {
        diag.error(done.error());
        return exit_code::k_usage;
    }
    if (isatty(out_fd) == 0 || isatty(STDIN_FILENO) == 0) {
        write_all(out_fd, board_text(options.state_path, data->snapshot, data->selected,
                                     data->silenced ? &*data->silenced : nullptr, options.expression, {}));
        return exit_code::k_ok;
    }
    LiveBoard board(options, std::move(data).value(), options.expression, out_fd, *interval);
    board.run(STDIN_FILENO);
    return exit_code::k_ok;
}

}  // namespace ev::status
