// KnownAgents: the client's pins of agent keys by host (trust on first
// use). The first signed reply from a host pins its key; a later reply for
// that host signed by another key is refused, so a node that takes over
// another's name cannot answer for it. The file can be written by hand
// (the known-agents file) and is kept up to date by the client:
//   # comment
//   HOST FINGERPRINT
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/result.h"

namespace ev::rpc {

/// Host -> pinned agent fingerprint.
class KnownAgents {
public:
    /// What a reply's (host, fingerprint) is, against the pins.
    enum class Verdict {
        known,     ///< pinned to this fingerprint
        pinned,    ///< the host was unknown; now pinned (save() writes it)
        mismatch,  ///< the host is pinned to another fingerprint: refuse the reply
        unknown,   ///< the host was unknown and pinning new hosts is off: refuse
    };

    /// Reads path; a missing file is an empty set of pins. Empty path: no
    /// file (pins live in memory only).
    static Result<KnownAgents> load(const std::string& path);

    /// Parses the file's text; errors read "ORIGIN:LINE: why".
    static Result<KnownAgents> parse(std::string_view text, std::string_view origin);

    /// Judges one reply, pinning a new host when allow_new.
    Verdict check(const std::string& host, const std::string& fingerprint, bool allow_new);

    /// The fingerprint host is pinned to, or nullptr.
    const std::string* pinned(const std::string& host) const;

    /// Writes the pins back atomically (mode 0600, directory created) when
    /// a host was pinned since load; nothing otherwise.
    Result<void> save();

private:
    std::string m_path;
    std::map<std::string, std::string> m_pins;
    bool m_changed = false;
};

/// The default known-agents file: $XDG_STATE_HOME/evrpc/known_agents, else
/// ~/.local/state/evrpc/known_agents; empty when neither can be found.
std::string default_known_agents_path();

}  // namespace ev::rpc
