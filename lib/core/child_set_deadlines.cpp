// ChildSet: deadlines and stops (SIGTERM to the process group, SIGKILL
// after the grace) and the blocking shutdown.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cmath>

#include "core/child_set.h"
#include "core/child_set_child.h"
#include "core/clock.h"

namespace ev {

using child_set_detail::k_never;

void ChildSet::signal_group(Child& c, int sig) {
    // The child is not reaped yet (at most a zombie), so its pid, and the
    // group id that equals it, cannot belong to anybody else. A child that
    // moved to another group is still reached by its pid.
    if (::kill(-c.pid, sig) != 0 && errno == ESRCH) {
        ::kill(c.pid, sig);
    }
}

void ChildSet::on_time(Child& c, double now) {
    if (c.exited) {
        return;
    }
    if (!c.timed_out && now >= c.deadline) {
        c.timed_out = true;
        if (c.spec.kill_grace <= 0) {
            signal_group(c, SIGKILL);
        } else {
            if (!c.term_sent) {  // stop() may have sent it already
                signal_group(c, SIGTERM);
                c.term_sent = true;
            }
            c.kill_at = std::min(c.kill_at, now + c.spec.kill_grace);
        }
        if (c.spec.report_at_timeout && !c.reported) {
            close_outputs(c);
            report(c, Ending::abandoned, now);
        }
    }
    if (now >= c.kill_at) {
        signal_group(c, SIGKILL);
        c.kill_at = k_never;
    }
}

bool ChildSet::stop(ChildId id, double grace) {
    Child* c = find(id);
    return c != nullptr && stop_child(*c, grace, steady_now());
}

bool ChildSet::stop_child(Child& c, double grace, double now) {
    if (c.exited) {
        return false;
    }
    if (!c.reported) {
        c.stopped = true;
    }
    if (grace <= 0) {
        signal_group(c, SIGKILL);
        c.kill_at = k_never;
        return true;
    }
    if (!c.term_sent) {
        signal_group(c, SIGTERM);
        c.term_sent = true;
    }
    c.kill_at = std::min(c.kill_at, now + grace);
    return true;
}

void ChildSet::stop_all(double grace) {
    double now = steady_now();
    for (auto& c : m_children) {
        stop_child(*c, grace, now);
    }
}

void ChildSet::shutdown(double grace) {
    stop_all(grace);
    double longest_eof = 0;
    for (auto& c : m_children) {
        longest_eof = std::max(longest_eof, c->spec.eof_grace);
    }
    double give_up = steady_now() + std::max(0.0, grace) + longest_eof + 0.5;
    while (!m_children.empty() && steady_now() < give_up) {
        wait(std::max(1, static_cast<int>(std::ceil((give_up - steady_now()) * 1000))));
    }
    // Only a child stuck in the kernel (D state) gets here; wait for it.
    for (auto& owned : m_children) {
        Child& c = *owned;
        if (!c.exited) {
            signal_group(c, SIGKILL);
            siginfo_t si{};
            while (::waitid(P_PID, static_cast<id_t>(c.pid), &si, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
            }
            check_exit(c, steady_now());
        }
        c.eof_deadline = 0;
    }
    std::erase_if(m_children, [&](const std::unique_ptr<Child>& c) { return collected(*c, steady_now()); });
}

}  // namespace ev
