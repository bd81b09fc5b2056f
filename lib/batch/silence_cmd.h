// `evbatch silence add|list|expire`: amtool's silence commands on a
// silences file, each change made under the file's lock (batch/silences.h).
#pragma once

#include <string>

#include "core/clock.h"
#include "core/diag.h"

namespace ev::batch {

/// What `evbatch silence add` is told.
struct SilenceAddOptions {
    std::string match;   ///< the expression
    std::string for_;    ///< --for DURATION (one of for_ and until)
    std::string until;   ///< --until TIME
    std::string starts;  ///< --starts TIME; empty: now
    std::string comment;
    std::string author;  ///< empty: the user's login name
    std::string file;    ///< --silences FILE
};

/// Adds a silence and appends its id and a newline to out; returns the exit code.
int run_silence_add(const SilenceAddOptions& options, const Clock& clock, std::string& out, Diagnostics& diag);

/// Appends the silences of file to out, one JSON line each with its
/// `status` (active, pending, expired); expired ones only with all.
int run_silence_list(const std::string& file, bool all, const Clock& clock, std::string& out, Diagnostics& diag);

/// Ends the silence id now (a pending one is ended before it starts).
int run_silence_expire(const std::string& id, const std::string& file, const Clock& clock, Diagnostics& diag);

}  // namespace ev::batch
