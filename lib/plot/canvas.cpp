#include "plot/canvas.h"

#include <cstdlib>

namespace ev::plot {

namespace {

// Braille dot bits by position in a 2 x 4 cell (Unicode's numbering:
// dots 1-3 and 7 down the left, 4-6 and 8 down the right).
constexpr uint8_t k_braille_bit[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};

void append_utf8(uint32_t code, std::string& out) {
    if (code < 0x80) {
        out += static_cast<char>(code);
    } else if (code < 0x800) {
        out += static_cast<char>(0xc0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3f));
    } else {
        out += static_cast<char>(0xe0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (code & 0x3f));
    }
}

// ANSI foreground colours for series 0..7: distinct on dark and light backgrounds.
constexpr int k_ansi_colour[k_max_series] = {34, 31, 32, 35, 36, 33, 94, 91};

}  // namespace

char ascii_glyph(std::size_t series) {
    static constexpr char glyphs[k_max_series] = {'*', '+', 'o', 'x', '#', '@', '%', '&'};
    return glyphs[series % k_max_series];
}

Canvas::Canvas(std::size_t columns, std::size_t rows, Cells cells)
    : m_columns(columns),
      m_rows(rows),
      m_cells(cells),
      m_dx(cells == Cells::braille ? 2 : 1),
      m_dy(cells == Cells::braille ? 4 : 1) {
    m_width = m_columns * m_dx;
    m_height = m_rows * m_dy;
    m_pixels.assign(m_width * m_height, -1);
    m_marked.assign(m_columns, false);
}

void Canvas::set(long x, long y, std::size_t series) {
    if (x < 0 || y < 0 || static_cast<std::size_t>(x) >= m_width || static_cast<std::size_t>(y) >= m_height) {
        return;
    }
    std::size_t top_row = m_height - 1 - static_cast<std::size_t>(y);
    m_pixels[top_row * m_width + static_cast<std::size_t>(x)] = static_cast<int8_t>(series % k_max_series);
}

void Canvas::line(long x0, long y0, long x1, long y1, std::size_t series) {
    long dx = std::labs(x1 - x0), sx = x0 < x1 ? 1 : -1;
    long dy = -std::labs(y1 - y0), sy = y0 < y1 ? 1 : -1;
    long err = dx + dy;
    for (;;) {
        set(x0, y0, series);
        if (x0 == x1 && y0 == y1) {
            return;
        }
        long e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

void Canvas::mark_column(long x) {
    if (x >= 0 && static_cast<std::size_t>(x) < m_width) {
        m_marked[static_cast<std::size_t>(x) / m_dx] = true;
    }
}

std::string Canvas::row_text(std::size_t row, bool colour) const {
    std::string out;
    int current = -1;  // the colour in effect
    for (std::size_t column = 0; column < m_columns; ++column) {
        uint8_t bits = 0;
        int series = -1;
        for (std::size_t y = 0; y < m_dy; ++y) {
            for (std::size_t x = 0; x < m_dx; ++x) {
                int8_t p = m_pixels[(row * m_dy + y) * m_width + column * m_dx + x];
                if (p >= 0) {
                    bits |= m_cells == Cells::braille ? k_braille_bit[y][x] : 1;
                    series = p;
                }
            }
        }
        int want = colour && series >= 0 ? k_ansi_colour[series] : (colour && m_marked[column] ? 90 : 0);
        if (colour && want != current) {
            out += want == 0 ? "\x1b[0m" : "\x1b[" + std::to_string(want) + "m";
            current = want;
        }
        if (bits == 0) {
            if (m_marked[column]) {
                m_cells == Cells::braille ? out += "\u2502" : out += '|';
            } else {
                out += ' ';
            }
        } else if (m_cells == Cells::braille) {
            append_utf8(0x2800 + bits, out);
        } else {
            out += ascii_glyph(static_cast<std::size_t>(series));
        }
    }
    if (colour && current != 0) {
        out += "\x1b[0m";
    }
    return out;
}

}  // namespace ev::plot
