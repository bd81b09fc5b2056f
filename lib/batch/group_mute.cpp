// evbatch group: silences and inhibition, what mutes a firing member at a
// look, and their reload on SIGHUP.
#include <fmt/format.h>

#include "batch/group_run.h"

namespace ev::batch::group_detail {

// All inhibit rules: the --inhibit ones, then the file's.
Result<Inhibitor> load_inhibitor(const GroupOptions& options, const GroupPlan& plan, const Clock& clock) {
    std::vector<InhibitRule> rules = plan.inhibit;
    if (!options.inhibit_rules.empty()) {
        auto more = read_inhibit_rules(options.inhibit_rules);
        if (!more) {
            return std::move(more).take_error();
        }
        rules.insert(rules.end(), more->begin(), more->end());
    }
    return Inhibitor::compile(rules, clock);
}

// SIGHUP: the silences file and the inhibit rules file again; a bad new
// one keeps the old and says why, on stderr and as the evkit.evbatch.reload
// self-status (warning until a good reload).
void GroupRun::reload() {
    std::string failed;
    if (!m_options.silences.empty()) {
        auto silences = read_silences(m_options.silences);
        auto put = silences ? m_silences.replace_file(*silences) : Result<void>(std::move(silences).take_error());
        if (!put) {
            failed = fmt::format("reload: {}; keeping the silences loaded before", put.error());
            m_diag.error(failed);
        }
    }
    if (!m_options.inhibit_rules.empty()) {
        auto inhibitor = load_inhibitor(m_options, m_plan, m_clock);
        if (!inhibitor) {
            std::string why = fmt::format("reload: {}; keeping the inhibit rules loaded before", inhibitor.error());
            m_diag.error(why);
            write_self(m_reload_status.failed(failed.empty() ? why : failed + "; " + why));
            return;
        }
        m_inhibitor = std::move(inhibitor).value();
        // The new rules' sources: every member's latest event again.
        m_grouper.for_each_member(
            [this](std::string_view subject, std::string_view name, std::string_view line, State state) {
                simdjson::dom::element event;
                if (m_mute_parser.parse(line.data(), line.size(), true).get(event) == simdjson::SUCCESS) {
                    m_inhibitor.update(subject, name, event, state);
                }
            });
    }
    write_self(failed.empty() ? m_reload_status.succeeded() : m_reload_status.failed(failed));
}

// A firing member is muted at a look when a silence in force matches its
// latest event, or a firing source inhibits it.
bool GroupRun::muted(std::string_view line, double now) {
    bool silences = m_silences.any_pending(now);
    if (!silences && m_inhibitor.empty()) {
        return false;
    }
    simdjson::dom::element event;
    if (m_mute_parser.parse(line.data(), line.size(), true).get(event) != simdjson::SUCCESS) {
        return false;  // it was read as JSON once: cannot happen
    }
    return (silences && m_silences.silenced(event, now)) || m_inhibitor.inhibited(event);
}

}  // namespace ev::batch::group_detail
