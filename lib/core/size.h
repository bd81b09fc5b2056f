// Sizes as operators write them, in one grammar for every option of the
// suite: 65536, 512B, 64K, 64KiB, 1M, 1MiB, 2G, 2GiB (powers of 1024).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace ev {

/// Parses a size in bytes: digits, then nothing or B (bytes), K, M, G (also
/// k, m, g) or KiB, MiB, GiB, all powers of 1024. Errors say the grammar.
Result<uint64_t> parse_size(std::string_view text);

/// The shortest exact form (1048576 -> "1M", 1536 -> "1536").
std::string format_size(uint64_t bytes);

}  // namespace ev
