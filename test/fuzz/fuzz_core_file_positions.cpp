// Fuzzes the file positions a state file saves (decode_file_positions): any
// bytes give positions or an error, never a crash; accepted positions encode
// to text that decodes to the same positions, and that text is a fixed point.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/file_position.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto positions = ev::decode_file_positions(text);
    if (!positions) {
        return 0;
    }
    std::string once;
    ev::encode_file_positions(*positions, once);
    auto again = ev::decode_file_positions(once);
    if (!again || again->size() != positions->size()) {
        std::abort();
    }
    std::string twice;
    ev::encode_file_positions(*again, twice);
    if (twice != once) {
        std::abort();
    }
    return 0;
}
