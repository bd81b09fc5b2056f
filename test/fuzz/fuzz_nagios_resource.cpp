// Fuzzes the resource file parser and $USERn$ expansion: any bytes give
// macros and problems that name a line, never a crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "nagios/resource.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> problems;
    ev::nagios::Resources resources = ev::nagios::parse_resources(text, "f", problems);
    for (const std::string& problem : problems) {
        if (problem.rfind("f:", 0) != 0) {
            std::abort();
        }
    }
    for (const auto& [n, value] : resources.user) {
        if (n < 1 || n > ev::nagios::k_max_user_macro || value.empty()) {
            std::abort();
        }
    }
    // The text as one command word: expansion ends, whatever the '$'s.
    ev::nagios::CheckDef check;
    check.name = "f";
    check.argv = {std::string(text)};
    (void)ev::nagios::expand_user_macros(check, resources);
    return 0;
}
