#include "nagios/text.h"

#include "core/size.h"
#include "core/utf8.h"

#include <fmt/format.h>

#include <charconv>

namespace ev::nagios {

std::string valid_utf8(std::string_view bytes) {
    return sanitize_utf8(bytes, true);
}

Result<std::size_t> parse_size(std::string_view text) {
    // The suite's one size grammar, within what a plugin's output may take.
    auto bytes = ev::parse_size(text);
    if (!bytes || *bytes == 0 || *bytes > (uint64_t{1} << 30)) {
        return make_error(fmt::format("bad size '{}' (bytes, or with K, M or G; 1 byte to 1G)", text));
    }
    return static_cast<std::size_t>(*bytes);
}

}  // namespace ev::nagios
