// Fuzzes the `evbatch group --state` loader (lib/batch/group_state.cpp,
// grouper_state.cpp): any bytes load or fail with a message, and what loads
// writes back to a file that loads to the same bytes, and runs (timers,
// events, end of input) without a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "batch/group_state.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    ev::batch::Grouper grouper(ev::batch::GroupTiming{});
    auto info = ev::batch::parse_group_state(text, true, grouper);
    if (!info) {
        if (info.error().empty() || grouper.groups() != 0) {
            std::abort();  // an error says why and leaves nothing half loaded
        }
        return 0;
    }
    std::string written = ev::batch::encode_group_state(grouper, true, info->now);
    ev::batch::Grouper again(ev::batch::GroupTiming{});
    auto reread = ev::batch::parse_group_state(written, true, again);
    if (!reread || ev::batch::encode_group_state(again, true, reread->now) != written) {
        std::abort();  // what is saved loads back to the same state
    }
    std::vector<ev::batch::Notification> out;
    again.add("k", "web1", "disk", ev::State::critical, "x", "{}", info->now + 1);
    if (auto due = again.next_due()) {
        again.advance(*due, out);
    }
    again.flush(info->now + 1e6, out);
    return 0;
}
