// Canvas: a grid of pixels for the terminal, printed as Unicode braille
// cells (2 x 4 dots each) or as plain ASCII (one character per pixel).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ev::plot {

/// The characters a picture is drawn with.
enum class Cells { braille, ascii };

/// The glyph series i is drawn with in ASCII (and named by in the legend).
char ascii_glyph(std::size_t series);
/// How many series a picture tells apart (glyphs, colours).
constexpr std::size_t k_max_series = 8;

class Canvas {
public:
    /// A canvas of columns x rows characters.
    Canvas(std::size_t columns, std::size_t rows, Cells cells);

    std::size_t pixel_width() const { return m_width; }
    std::size_t pixel_height() const { return m_height; }

    /// Sets the pixel (x, y), y = 0 at the bottom, for series; outside is ignored.
    void set(long x, long y, std::size_t series);
    /// A straight line between two pixels (Bresenham).
    void line(long x0, long y0, long x1, long y1, std::size_t series);
    /// Marks the character column holding pixel x as a marker (a vertical bar where no series is).
    void mark_column(long x);

    /// Row row (0 at the top) as text; colour adds ANSI colours per series.
    std::string row_text(std::size_t row, bool colour) const;

private:
    std::size_t m_columns, m_rows;
    Cells m_cells;
    std::size_t m_width, m_height, m_dx, m_dy;
    std::vector<int8_t> m_pixels;  // series index, -1 for none; row-major from the top
    std::vector<bool> m_marked;    // per character column
};

}  // namespace ev::plot
