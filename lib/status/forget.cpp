// `evstatus forget`: drop decommissioned identities from a state file, so
// a retired host stops counting in `check` and `show`.
#include <set>
#include <utility>

#include <fmt/format.h>

#include "core/exit_code.h"
#include "core/recent_ids.h"
#include "status/query.h"
#include "status/selection.h"
#include "status/state_file.h"

namespace ev::status {

int forget(const ForgetOptions& options, int out_fd, Diagnostics& diag) {
    if (options.expression.empty()) {
        // Forgetting everything is removing the file; an empty EXPR is more
        // likely a quoting mistake than that.
        diag.error("forget: EXPR is required (the identities to drop)");
        return exit_code::k_usage;
    }
    // Held to the end: a running evstatus would overwrite the edit at its
    // next save, and a second forget would lose this one.
    auto lock = lock_state_file(options.state_path);
    if (!lock) {
        diag.error(fmt::format("{} (stop it, or give it --forget-after)", lock.error()));
        return exit_code::k_usage;
    }
    auto loaded = load_saved_state(options.state_path);
    if (!loaded) {
        diag.error(loaded.error());
        return exit_code::k_usage;
    }
    const Snapshot& snapshot = *loaded;
    auto selected = select(snapshot, options.expression);
    if (!selected) {
        diag.error(selected.error());
        return exit_code::k_usage;
    }
    std::size_t total = snapshot.identities.size();
    if (selected->empty()) {
        write_all(out_fd, fmt::format("forgot 0 of {} identities\n", total));
        return exit_code::k_no_match;
    }
    std::set<std::pair<std::string_view, std::string_view>> drop;
    for (const Selected& s : *selected) {
        drop.emplace(s.identity->subject, s.identity->name);
    }
    // The rest goes back as it was: deadlines, flap histories, the replay
    // window, the clock and its time.
    IdentityTable table;
    restore(table, snapshot, std::nullopt);
    table.erase_if([&drop](const IdentityEntry& e) { return drop.count({e.subject(), e.name()}) > 0; });
    RecentIds recent;
    (void)recent.decode(snapshot.recent_ids);  // checked by the load
    std::string bytes;
    encode_state(table, snapshot.clock, snapshot.time, bytes, &recent, snapshot.positions);
    if (auto saved = save_state_file(options.state_path, bytes); !saved) {
        diag.error(saved.error());
        return exit_code::k_io;
    }
    write_all(out_fd, fmt::format("forgot {} of {} identities\n", drop.size(), total));
    return exit_code::k_ok;
}

}  // namespace ev::status
