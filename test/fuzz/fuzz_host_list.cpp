// Fuzz target for host lists (evrpc --nodes, stdin identities): any bytes
// parse or fail cleanly, and every entry parsed is a non-empty subject
// without a line break.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/host_list.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto list = ev::parse_host_list(text, "fuzz");
    if (list) {
        for (const ev::HostListEntry& e : *list) {
            if (e.subject.empty() || e.subject.find('\n') != std::string::npos) {
                std::abort();
            }
        }
    }
    return 0;
}
