// Subjects: the name an agent's address becomes in events, from a map file
// (ADDRESS NAME lines) or cached reverse DNS (--resolve), else the address.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"

namespace ev::snmptrap {

/// Maps agent addresses to subjects.
class Subjects {
public:
    /// Parses a map file's text: "ADDRESS NAME" a line, '#' comments.
    static Result<std::unordered_map<std::string, std::string>> parse_map(std::string_view text, std::string_view file);
    /// Reads a map file.
    static Result<std::unordered_map<std::string, std::string>> load_map(const std::string& path);

    void set_map(std::unordered_map<std::string, std::string> map) { m_map = std::move(map); }
    /// Turns cached reverse DNS on: a hit is kept an hour, a miss five minutes.
    void set_resolve(bool on) { m_resolve = on; }

    /// The subject of address at now (steady seconds).
    const std::string& subject(const std::string& address, double now);

private:
    struct Cached {
        std::string name;
        double until = 0;
    };
    std::unordered_map<std::string, std::string> m_map;
    std::unordered_map<std::string, Cached> m_cache;
    bool m_resolve = false;
};

}  // namespace ev::snmptrap
