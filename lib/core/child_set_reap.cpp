// ChildSet: noticing exits, reaping (a zombie is kept until its result is
// collected, so its pid and group stay ours) and handing out results.
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include <cerrno>

#include "core/child_set.h"
#include "core/child_set_child.h"

namespace ev {

using child_set_detail::k_never;

void ChildSet::check_exit(Child& c, double now) {
    if (c.exited) {
        return;
    }
    siginfo_t si{};
    int rc;
    do {
        // WNOWAIT leaves a zombie, which keeps the pid and the group id ours
        // until collected() reaps it.
        rc = ::waitid(P_PID, static_cast<id_t>(c.pid), &si, WEXITED | WNOHANG | WNOWAIT);
    } while (rc != 0 && errno == EINTR);
    if (rc == 0 && si.si_pid == 0) {
        return;  // still running
    }
    if (rc != 0) {
        c.lost = true;  // ECHILD: somebody reaped it behind our back
    } else {
        c.wait_code = si.si_code;
        c.wait_status = si.si_status;
    }
    c.exited = true;
    c.exited_at = now;
    c.kill_at = k_never;
    unwatch(c.pidfd);
    if ((c.timed_out || c.stopped) && !c.lost) {
        // It was told to go; whatever it leaves behind in its group goes too.
        signal_group(c, SIGKILL);
    }
    if (!c.stream()) {
        unwatch(c.in_fd);
    }
    // What it wrote before exiting is in the pipes already.
    for (Role role : {Role::out, Role::err}) {
        drain(c, role);
    }
    c.eof_deadline = c.output_open() ? now + c.spec.eof_grace : now;
}

void ChildSet::report(Child& c, Ending ending, double now) {
    ChildResult r;
    r.id = c.id;
    r.tag = c.spec.tag;
    r.pid = c.pid;
    r.ending = ending;
    if (ending == Ending::exited) {
        r.exit_code = c.wait_status;
    } else if (ending == Ending::signaled) {
        r.signal = c.wait_status;
    }
    r.timed_out = c.timed_out;
    r.stopped = c.stopped;
    r.output_cut = c.output_cut;
    r.duration = (c.exited ? c.exited_at : now) - c.started;
    child_set_detail::trim_tail(c.out, c.spec.stdout_cap, c.spec.keep);
    child_set_detail::trim_tail(c.err, c.spec.stderr_cap, c.spec.keep);
    r.out = std::move(c.out);
    r.err = std::move(c.err);
    r.out_truncated = c.out_truncated;
    r.err_truncated = c.err_truncated;
    int unread = 0;
    if (c.peek_fd >= 0 && ::ioctl(c.peek_fd, FIONREAD, &unread) == 0 && unread > 0) {
        r.stdin_unread = static_cast<std::size_t>(unread);
    }
    close_fd(c.peek_fd);
    close_stdin_of(c, true);
    c.reported = true;
    m_finished.push_back(std::move(r));
}

bool ChildSet::collected(Child& c, double now) {
    if (!c.exited || (c.output_open() && now < c.eof_deadline)) {
        return false;
    }
    bool group_killed = c.timed_out || c.stopped;
    if (c.output_open()) {
        // Something it left behind still holds its output open.
        close_outputs(c);
        c.output_cut = true;
        if (c.spec.leftovers != Leftovers::leave && !group_killed && !c.lost) {
            signal_group(c, SIGKILL);
        }
    } else if (c.spec.leftovers == Leftovers::kill && !group_killed && !c.lost) {
        signal_group(c, SIGKILL);
    }
    if (!c.reported) {
        Ending ending = Ending::unknown;
        if (!c.lost) {
            ending = c.wait_code == CLD_EXITED ? Ending::exited : Ending::signaled;
        }
        report(c, ending, now);
    }
    close_fd(c.peek_fd);
    close_stdin_of(c, true);
    if (!c.lost) {
        siginfo_t si{};
        while (::waitid(P_PID, static_cast<id_t>(c.pid), &si, WEXITED) != 0 && errno == EINTR) {
        }
    }
    return true;
}

}  // namespace ev
