#include "core/source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "core/signals.h"

namespace {

std::string write_temp(const char* name, const std::string& text) {
    std::string path = std::string(testing::TempDir()) + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

struct Seen {
    std::vector<std::string> lines;
    std::vector<ev::Position> positions;
    std::vector<uint64_t> numbers;
};

Seen read_all(ev::Source& source) {
    Seen seen;
    ev::Source::Line line;
    for (;;) {
        auto status = source.next(line, -1);
        if (status == ev::Source::Status::end) {
            return seen;
        }
        if (status == ev::Source::Status::line) {
            seen.lines.emplace_back(line.bytes);
            seen.positions.push_back(line.position);
            seen.numbers.push_back(line.number);
        }
    }
}

TEST(FileSource, PositionsAreByteOffsetsAfterEachLinePerFile) {
    ev::Diagnostics diag("t", [](std::string_view) {});
    auto a = write_temp("a.ndjson", "{\"x\":1}\n\r\n{\"y\":22}\r\n");
    auto b = write_temp("b.ndjson", "{}\n{\"z\":3}");
    ev::FileSource source({a, b}, 1 << 20, 1 << 16, diag);
    auto seen = read_all(source);
    ASSERT_EQ(seen.lines, (std::vector<std::string>{"{\"x\":1}", "", "{\"y\":22}", "{}", "{\"z\":3}"}));
    EXPECT_EQ(seen.positions[0].stream, 0u);
    EXPECT_EQ(seen.positions[0].offset, 8);
    EXPECT_EQ(seen.positions[1].offset, 10);
    EXPECT_EQ(seen.positions[2].offset, 20);
    EXPECT_EQ(seen.positions[3].stream, 1u);
    EXPECT_EQ(seen.positions[3].offset, 3);
    EXPECT_EQ(seen.positions[4].offset, 10);  // no final newline: the end of the file
    EXPECT_EQ(seen.numbers, (std::vector<uint64_t>{1, 2, 3, 1, 2}));
    EXPECT_FALSE(source.io_failed());
}

TEST(FileSource, OffsetsSurviveSmallBlocksAndBufferMoves) {
    ev::Diagnostics diag("t", [](std::string_view) {});
    std::string text;
    std::vector<int64_t> ends;
    for (int i = 0; i < 500; ++i) {
        text += "{\"i\":" + std::to_string(i) + ",\"pad\":\"" + std::string(i % 37, 'p') + "\"}\n";
        ends.push_back(static_cast<int64_t>(text.size()));
    }
    auto path = write_temp("many.ndjson", text);
    ev::FileSource source({path}, 256, 64, diag);
    auto seen = read_all(source);
    ASSERT_EQ(seen.positions.size(), ends.size());
    for (std::size_t i = 0; i < ends.size(); ++i) {
        EXPECT_EQ(seen.positions[i].offset, ends[i]) << i;
    }
}

TEST(FileSource, LongLinesComeInPiecesWithOneLineNumber) {
    ev::Diagnostics diag("t", [](std::string_view) {});
    auto path = write_temp("long.ndjson", "{}\n" + std::string(1000, 'x') + "\n{\"a\":1}\n");
    ev::Source::Line line;
    ev::FileSource again({path}, 100, 64, diag);
    uint64_t long_number = 0;
    int pieces = 0;
    std::vector<uint64_t> line_numbers;
    for (;;) {
        auto status = again.next(line, -1);
        if (status == ev::Source::Status::end) {
            break;
        }
        if (status == ev::Source::Status::line) {
            line_numbers.push_back(line.number);
        } else {
            ++pieces;
            long_number = line.number;
        }
    }
    EXPECT_GE(pieces, 2);
    EXPECT_EQ(long_number, 2u);
    EXPECT_EQ(line_numbers, (std::vector<uint64_t>{1, 3}));
}

TEST(FileSource, MissingFileIsReportedAndSkipped) {
    std::string said;
    ev::Diagnostics diag("t", [&](std::string_view s) { said += s; });
    auto path = write_temp("ok.ndjson", "{}\n");
    ev::FileSource source({"/nonexistent/x", path}, 1 << 20, 1 << 16, diag);
    auto seen = read_all(source);
    EXPECT_EQ(seen.lines.size(), 1u);
    EXPECT_EQ(seen.positions[0].stream, 1u);
    EXPECT_TRUE(source.io_failed());
    EXPECT_NE(said.find("/nonexistent/x"), std::string::npos);
}

TEST(FileSource, AStopEndsInputAfterTheBlockAlreadyRead) {
    ev::Diagnostics diag("t", [](std::string_view) {});
    std::string text;
    for (int i = 0; i < 1000; ++i) {
        text += "{\"i\":" + std::to_string(i) + "}\n";
    }
    auto path = write_temp("stop.ndjson", text);
    ev::signals::reset();
    ev::FileSource source({path, path}, 1 << 10, 1 << 10, diag);
    ev::Source::Line line;
    ASSERT_EQ(source.next(line, -1), ev::Source::Status::line);
    ev::signals::request_stop();
    int more = 0;
    while (source.next(line, -1) != ev::Source::Status::end) {
        ++more;
    }
    ev::signals::reset();
    // The rest of what the first read brought in (at most max_line plus two
    // blocks: 3 KiB of 10-byte lines), not the 2000 lines of both files.
    EXPECT_GT(more, 10);
    EXPECT_LT(more, 400);
}

TEST(FileSource, StdinFromAPipeDrainsOnInterrupt) {
    ev::Diagnostics diag("t", [](std::string_view) {});
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    int saved = dup(0);
    dup2(fds[0], 0);
    ev::FileSource from_pipe({"-"}, 1 << 20, 1 << 16, diag);
    bool drains = from_pipe.drains_on_interrupt();
    dup2(saved, 0);
    close(saved);
    close(fds[0]);
    close(fds[1]);
    EXPECT_TRUE(drains);
    auto path = write_temp("f.ndjson", "{}\n");
    ev::FileSource from_file({path}, 1 << 20, 1 << 16, diag);
    EXPECT_FALSE(from_file.drains_on_interrupt());
}

}  // namespace
