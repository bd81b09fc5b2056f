// evbatch group: notifications out, in order: summary alerts at once, or
// one command run at a time and its result event.
#include <fmt/format.h>

#include "batch/group_run.h"
#include "batch/result.h"
#include "core/json.h"
#include "core/state.h"

namespace ev::batch::group_detail {

namespace {

Json alert_event(const Notification& n, const std::string& id) {
    Json members = Json::array();
    for (const NotifiedMember& m : n.members) {
        Json member = Json::object();
        member.set("subject", Json(m.subject));
        if (m.name != n.name) {
            member.set("name", Json(m.name));
        }
        member.set("state", Json(state_name(m.state)));
        if (!m.id.empty()) {
            member.set("id", Json(m.id));
        }
        if (!m.moved_to.empty()) {
            member.set("moved_to", Json(m.moved_to));
        }
        members.push_back(std::move(member));
    }
    Json data = Json::object();
    data.set("count", Json(static_cast<uint64_t>(n.firing)));
    data.set("members", std::move(members));
    Json event = Json::object();
    event.set("id", Json(id));
    event.set("time", Json(n.time));
    event.set("type", Json("alert"));
    event.set("subject", Json(n.key));
    event.set("name", Json(n.name));
    event.set("state", Json(state_name(n.state)));
    event.set("message", Json(notification_message(n)));
    event.set("source", Json("evbatch"));
    event.set("data", std::move(data));
    if (n.previous) {
        event.set("previous", Json(state_name(*n.previous)));
    }
    event.set("reason", Json(n.reason));
    event.set("since", Json(n.since));
    return event;
}

}  // namespace

void GroupRun::queue_due() {
    for (Notification& n : m_due) {
        m_queue.push_back(std::move(n));
    }
    m_due.clear();
}

// Summary alerts go out at once; a command notification starts its run
// when the one before has ended.
void GroupRun::send_queued() {
    while (!m_queue.empty()) {
        Notification& n = m_queue.front();
        if (m_options.command.empty()) {
            set_event_time(n);
            write_canonical(alert_event(n, notification_id(n)), m_out.buffer());
            m_out.end_line();
            written(n);
            m_queue.pop_front();
            continue;
        }
        if (m_current) {
            return;
        }
        if (m_skip_commands || m_out.failed()) {
            ++m_not_sent;  // its events stay unacknowledged
            m_queue.pop_front();
            continue;
        }
        // What came before is out before the pager rings.
        flush_output();
        set_event_time(n);
        std::vector<std::string> env = {"EV_GROUP=" + n.key, fmt::format("EV_COUNT={}", n.firing),
                                        "EV_STATE=" + std::string(state_name(n.state)), "EV_REASON=" + n.reason,
                                        "EV_NAME=" + n.name};
        std::string members;
        for (const NotifiedMember& m : n.members) {
            members += m.line;
            members += '\n';
        }
        m_current = std::move(n);
        m_queue.pop_front();
        m_current_id =
            m_children.start(action_spec(m_options.command, std::move(env), std::move(members), m_plan.action, 0));
        return;
    }
}

void GroupRun::take_results() {
    for (ChildResult& r : m_children.take_finished()) {
        if (!m_current) {
            continue;
        }
        const Notification& n = *m_current;
        if (!succeeded(r)) {
            ++m_failures;
        }
        set_event_time(n);
        double time = m_plan.event_time ? n.time : wall_clock().now();
        ResultContext ctx{n.key, m_name, {}, notification_id(n, m_command_text), time, m_plan.action.timeout};
        if (!m_stop_reason.empty()) {
            ctx.stop_reason = m_stop_reason;
        }
        write_canonical(result_event(r, ctx), m_out.buffer());
        m_out.end_line();
        written(n);
        m_current.reset();
    }
}

void GroupRun::set_event_time(const Notification& n) {
    if (m_plan.event_time) {
        m_event_clock.set(n.time);
    }
}

// The notification's line is queued: its events are acknowledged once
// that line is durable.
void GroupRun::written(const Notification& n) {
    for (Acks::Ticket t : n.tickets) {
        m_acks.written(t);
    }
    m_save_after_flush = true;
}

}  // namespace ev::batch::group_detail
