// `evstatus top`: a live full-screen board of the current states of a state
// file (counts per state, then identities worst first), refreshed when the
// file changes, filtered by an expression typed after '/'; the same board
// once, without escapes, when standard output is not a terminal.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/diag.h"
#include "status/selection.h"
#include "status/state_file.h"

namespace ev::status {

/// What `evstatus top` reads from its command line.
struct TopOptions {
    std::string state_path;       ///< the state file to watch
    std::string silences_path;    ///< empty: none; else identities a silence covers are flagged
    std::string interval = "2s";  ///< how often the state file is looked at (a duration)
    std::string expression;       ///< the filter at start; empty: every identity
};

/// The size of the board in terminal cells; 0 columns: no limit (one-shot).
struct BoardSize {
    std::size_t columns = 0;
    std::size_t rows = 0;
};

/// Orders selected worst first: critical, unknown, warning, ok; then the
/// longest in its state (earliest since); then subject and name.
void sort_worst_first(std::vector<Selected>& selected);

/// The board's text: a header (state file, saved time, counts per state,
/// the filter) and the show table of selected (sorted worst first), with
/// silenced marks when given. With a size, each line is cut to its columns
/// and the table to its rows, the last saying how many more there are.
/// Every value from the file is escaped (core/escape.h).
std::string board_text(const std::string& state_path, const Snapshot& snapshot, std::vector<Selected> selected,
                       const std::vector<bool>* silenced, const std::string& filter, BoardSize size);

/// Runs the board: live on a terminal (raw mode and the alternate screen,
/// restored on every exit, including SIGINT and SIGTERM), else printed once
/// to out_fd. Returns 0, or 2 when the state file, the silences, the
/// interval or the expression is bad at start.
int top(const TopOptions& options, int out_fd, Diagnostics& diag);

}  // namespace ev::status
