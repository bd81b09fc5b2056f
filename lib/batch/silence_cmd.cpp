#include "batch/silence_cmd.h"

#include <pwd.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstdlib>

#include "batch/silences.h"
#include "core/duration.h"
#include "core/exit_code.h"
#include "core/id.h"
#include "core/text.h"
#include "core/timestamp.h"

namespace ev::batch {

namespace {

// The login name, as amtool's default --author is the user.
std::string user_name() {
    if (const char* user = std::getenv("USER"); user != nullptr && *user != '\0') {
        return user;
    }
    if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name != nullptr) {
        return pw->pw_name;
    }
    return fmt::format("uid {}", ::geteuid());
}

}  // namespace

int run_silence_add(const SilenceAddOptions& options, const Clock& clock, std::string& out, Diagnostics& diag) {
    auto usage = [&](const std::string& message) {
        diag.error(message);
        return exit_code::k_usage;
    };
    double now = clock.now();
    Silence s;
    s.match = options.match;
    s.starts = now;
    if (!options.starts.empty()) {
        auto t = parse_timestamp(options.starts);
        if (!t) {
            return usage("--starts: " + t.error());
        }
        s.starts = *t;
    }
    if (options.for_.empty() == options.until.empty()) {
        return usage("give one of --for DURATION and --until TIME");
    }
    if (!options.for_.empty()) {
        auto d = parse_duration(options.for_);
        if (!d) {
            return usage("--for: " + d.error());
        }
        if (*d <= 0) {
            return usage("--for: must be more than 0");
        }
        s.ends = s.starts + *d;
    } else {
        auto t = parse_timestamp(options.until);
        if (!t) {
            return usage("--until: " + t.error());
        }
        if (*t <= s.starts) {
            return usage("--until: must be after the silence starts");
        }
        s.ends = *t;
    }
    if (trim(options.comment).empty()) {
        return usage("--comment: say why (amtool requires a comment too)");
    }
    if (trim(s.match).empty()) {
        return usage("an expression is required (`true` silences everything)");
    }
    if (auto program = expr::Program::compile(s.match); !program) {
        return usage("EXPR: " + program.error());
    }
    s.comment = options.comment;
    s.author = options.author.empty() ? user_name() : options.author;
    IdGenerator ids(clock);
    s.id = ids.next();
    auto edited = edit_silences(options.file, now, [&](std::vector<Silence>& silences) -> Result<void> {
        silences.push_back(s);
        return {};
    });
    if (!edited) {
        diag.error(edited.error());
        return exit_code::k_io;
    }
    out += s.id;
    out += '\n';
    return exit_code::k_ok;
}

int run_silence_list(const std::string& file, bool all, const Clock& clock, std::string& out, Diagnostics& diag) {
    auto silences = read_silences(file);
    if (!silences) {
        diag.error(silences.error());
        return exit_code::k_io;
    }
    double now = clock.now();
    for (const Silence& s : *silences) {
        const char* status = s.active(now) ? "active" : now < s.starts ? "pending" : "expired";
        if (!all && now >= s.ends) {
            continue;
        }
        std::string line = silence_line(s);
        // The status goes last, after the file's own fields.
        line.pop_back();
        line += fmt::format(",\"status\":\"{}\"}}\n", status);
        out += line;
    }
    return exit_code::k_ok;
}

int run_silence_expire(const std::string& id, const std::string& file, const Clock& clock, Diagnostics& diag) {
    double now = clock.now();
    bool refused = false;  // not found, or expired already: not an I/O failure
    auto edited = edit_silences(file, now, [&](std::vector<Silence>& silences) -> Result<void> {
        for (Silence& s : silences) {
            if (s.id != id) {
                continue;
            }
            if (s.ends <= now) {
                refused = true;
                return make_error(fmt::format("silence {} has already expired", id));
            }
            s.ends = now;
            if (s.starts > now) {
                s.starts = now;
            }
            return {};
        }
        refused = true;
        return make_error(fmt::format("no silence {} in {}", id, file));
    });
    if (!edited) {
        diag.error(edited.error());
        return refused ? exit_code::k_no_match : exit_code::k_io;
    }
    return exit_code::k_ok;
}

}  // namespace ev::batch
