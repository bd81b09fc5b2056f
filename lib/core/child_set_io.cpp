// ChildSet: feeding a child's stdin and capturing its output under caps.
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/child_set.h"
#include "core/child_set_child.h"

namespace ev {

namespace {

// Reads of one pipe per service: a child that writes without pause must not
// hold the event loop.
constexpr int k_read_rounds = 16;
constexpr std::size_t k_chunk = 64 * 1024;

// Appends what a child wrote to what is kept of it, under its cap.
void keep_output(std::string& buf, const char* data, std::size_t n, std::size_t cap, Keep keep, bool& truncated) {
    if (keep == Keep::head) {
        std::size_t room = buf.size() < cap ? cap - buf.size() : 0;
        std::size_t take = std::min(room, n);
        buf.append(data, take);
        truncated = truncated || take < n;
        return;
    }
    buf.append(data, n);
    if (buf.size() > cap) {
        truncated = true;
        // Trim now and then, not on every read; report() trims exactly.
        if (buf.size() > 2 * cap + k_chunk) {
            buf.erase(0, buf.size() - cap);
        }
    }
}

}  // namespace

namespace child_set_detail {

void trim_tail(std::string& buf, std::size_t cap, Keep keep) {
    if (keep == Keep::tail && buf.size() > cap) {
        buf.erase(0, buf.size() - cap);
    }
}

}  // namespace child_set_detail

void ChildSet::feed(Child& c) {
    while (c.in_fd >= 0 && c.input_off < c.input.size()) {
        ssize_t n = ::write(c.in_fd, c.input.data() + c.input_off, c.input.size() - c.input_off);
        if (n > 0) {
            c.input_off += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            return;
        } else {
            break;  // EPIPE: it does not read its stdin, which is its business
        }
    }
    unwatch(c.in_fd);
    c.input.clear();
    c.input.shrink_to_fit();
}

void ChildSet::drain(Child& c, Role role) {
    int& fd = role == Role::out ? c.out_fd : c.err_fd;
    std::string& buf = role == Role::out ? c.out : c.err;
    bool& truncated = role == Role::out ? c.out_truncated : c.err_truncated;
    std::size_t cap = role == Role::out ? c.spec.stdout_cap : c.spec.stderr_cap;
    char chunk[k_chunk];
    for (int round = 0; round < k_read_rounds && fd >= 0;) {
        ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n > 0) {
            keep_output(buf, chunk, static_cast<std::size_t>(n), cap, c.spec.keep, truncated);
            ++round;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            return;
        } else {
            unwatch(fd);  // end of file, or an error that will not pass
        }
    }
}

void ChildSet::close_outputs(Child& c) {
    unwatch(c.out_fd);
    unwatch(c.err_fd);
}

void ChildSet::close_stdin_of(Child& c, bool keep_stream) {
    if (c.stream() && keep_stream) {
        // The caller may still hold the number; it closes at take_finished().
        if (c.in_fd >= 0) {
            m_closing_stdins.push_back(c.in_fd);
            c.in_fd = -1;
        }
    } else if (c.stream()) {
        close_fd(c.in_fd);
    } else {
        unwatch(c.in_fd);
    }
}

void ChildSet::close_stdin(ChildId id) {
    if (Child* c = find(id)) {
        close_stdin_of(*c, false);
        close_fd(c->peek_fd);
    }
}

std::size_t ChildSet::stdin_unread(ChildId id) const {
    Child* c = find(id);
    int unread = 0;
    if (c == nullptr || c->peek_fd < 0 || ::ioctl(c->peek_fd, FIONREAD, &unread) != 0 || unread < 0) {
        return 0;
    }
    return static_cast<std::size_t>(unread);
}

}  // namespace ev
