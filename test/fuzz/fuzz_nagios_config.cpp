// Fuzzes the scheduler's config parser: any bytes give a config or an error
// that names a line, never a crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "nagios/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto config = ev::nagios::parse_config(text, "f");
    if (config.ok()) {
        for (const auto& check : config->checks) {
            if (check.argv.empty() || check.name.empty() || !(check.interval > 0)) {
                std::abort();
            }
        }
    } else if (config.error().rfind("f:", 0) != 0) {
        std::abort();
    }
    return 0;
}
