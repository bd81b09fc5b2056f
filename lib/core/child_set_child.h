// ChildSet::Child, what the child set keeps about one child, and the
// helpers its files share. ChildSet is implemented by noun: child_set.cpp
// (starting children, the event loop, queries), child_set_io.cpp (feeding
// stdin, capturing output), child_set_reap.cpp (exits, reaping, results) and
// child_set_deadlines.cpp (timeouts, stops, shutdown). Only they include this.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <limits>
#include <string>

#include "core/child_set.h"

namespace ev {

namespace child_set_detail {

/// A deadline that never comes.
inline constexpr double k_never = std::numeric_limits<double>::infinity();

/// Cuts a tail-kept output to its cap (keep_output trims only now and then).
void trim_tail(std::string& buf, std::size_t cap, Keep keep);

}  // namespace child_set_detail

struct ChildSet::Child {
    ChildId id = 0;
    ChildSpec spec;
    pid_t pid = -1;
    int pidfd = -1;
    int in_fd = -1;  // bytes: ours to feed (watched); stream: the caller's
    int peek_fd = -1;
    int out_fd = -1;
    int err_fd = -1;
    std::string input;  // StdinMode::bytes
    std::size_t input_off = 0;
    std::string out;
    std::string err;
    bool out_truncated = false;
    bool err_truncated = false;
    double started = 0;  // steady seconds
    double deadline = child_set_detail::k_never;
    double kill_at = child_set_detail::k_never;
    double exited_at = 0;
    double eof_deadline = child_set_detail::k_never;
    bool exited = false;  // a zombie now: waited for with WNOWAIT, reaped when collected
    bool lost = false;    // reaped by somebody else: never signal its pid again
    bool reported = false;
    bool timed_out = false;
    bool stopped = false;
    bool term_sent = false;
    bool output_cut = false;
    int wait_code = 0;  // siginfo si_code: CLD_EXITED, CLD_KILLED, CLD_DUMPED
    int wait_status = 0;

    bool stream() const { return spec.spawn.stdin_mode == StdinMode::stream; }
    bool output_open() const { return out_fd >= 0 || err_fd >= 0; }
};

}  // namespace ev
