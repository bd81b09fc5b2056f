#include "core/argv.h"

#include <fmt/format.h>

#include "core/json.h"
#include "core/utf8.h"

namespace ev {

Result<void> check_argv_value(std::string_view value) {
    if (!value.empty() && value.front() == '-') {
        return make_error(fmt::format("{} begins with '-' and would be read as an option", quote_prefix(value)));
    }
    return {};
}

Result<void> check_argv_bytes(std::string_view value) {
    if (value.find('\0') != std::string_view::npos) {
        return make_error(fmt::format("{} holds a NUL byte, which would cut the argument short", quote_prefix(value)));
    }
    return {};
}

std::string quote_prefix(std::string_view value, std::size_t max_bytes) {
    std::size_t end = 0;
    while (end < value.size()) {
        std::size_t n = utf8_sequence_length(value, end);
        if (n == 0) {
            n = 1;  // a stray byte: json_escape_to below must not see it cut in half
        }
        if (end + n > max_bytes) {
            break;
        }
        end += n;
    }
    std::string out;
    json_escape_to(sanitize_utf8(value.substr(0, end)), out);
    if (end < value.size()) {
        out.insert(out.size() - 1, "...");
    }
    return out;
}

}  // namespace ev
