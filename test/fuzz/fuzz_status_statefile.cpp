// Fuzzes evstatus's state file loader: any bytes must give a snapshot or an
// error, never a crash; an accepted file must restore and save back to a
// file that loads to the same identities (messages, tags and positions
// included; a version 1 file is saved as version 2).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "status/state_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto snapshot = ev::status::decode_state(text);
    if (!snapshot) {
        return 0;
    }
    ev::status::IdentityTable table;
    ev::status::restore(table, *snapshot, std::nullopt);
    if (table.size() != snapshot->identities.size()) {
        std::abort();
    }
    std::string saved;
    ev::status::encode_state(table, snapshot->clock, snapshot->time, saved, nullptr, snapshot->positions);
    auto again = ev::status::decode_state(saved);
    if (!again || again->identities.size() != snapshot->identities.size()) {
        std::abort();
    }
    std::string twice;
    ev::status::IdentityTable table2;
    ev::status::restore(table2, *again, std::nullopt);
    ev::status::encode_state(table2, again->clock, again->time, twice, nullptr, again->positions);
    if (twice != saved) {
        std::abort();  // save -> load -> save must be a fixed point
    }
    return 0;
}
