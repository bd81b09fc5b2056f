// Fuzzes evstatus top's board: any state file the loader accepts, drawn at
// any size, must give text whose only control byte is the line feed (no
// value reaches the terminal as a control sequence), with no line wider
// than the board's columns and no more lines than its rows.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "status/top.h"

namespace {

void check_board(const std::string& board, ev::status::BoardSize size) {
    std::size_t lines = 0;
    std::size_t columns = 0;
    for (char c : board) {
        auto u = static_cast<unsigned char>(c);
        if (c == '\n') {
            ++lines;
            columns = 0;
            continue;
        }
        if (u < 0x20 || u == 0x7f) {
            std::abort();  // a raw control byte would reach the terminal
        }
        columns += (u & 0xC0) != 0x80 ? 1 : 0;
        if (size.columns > 0 && columns > size.columns) {
            std::abort();
        }
    }
    if (size.columns > 0 && lines > size.rows) {
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) {
        return 0;
    }
    // The first two bytes choose the size; the rest is the state file.
    ev::status::BoardSize sized{static_cast<std::size_t>(data[0] % 200) + 1, static_cast<std::size_t>(data[1] % 60)};
    std::string_view text(reinterpret_cast<const char*>(data) + 2, size - 2);
    auto snapshot = ev::status::decode_state(text);
    if (!snapshot) {
        return 0;
    }
    auto selected = ev::status::select(*snapshot, "");
    if (!selected) {
        std::abort();  // no expression: nothing can fail
    }
    check_board(ev::status::board_text("state", *snapshot, *selected, nullptr, "", {}), {});
    check_board(ev::status::board_text("state", *snapshot, *selected, nullptr, "f\x1b", sized), sized);
    return 0;
}
