// Keeper: evfilter --keep, writing only the named fields of an event, in
// the canonical form, with no per-event allocation.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/path.h"
#include "core/result.h"

namespace ev::filter {

/// Writes the projection of events onto a list of field paths (object keys only).
class Keeper {
public:
    /// At most 64 paths.
    static constexpr std::size_t k_max_paths = 64;

    /// Checks and takes the paths; an index step or too many paths is an error.
    static Result<Keeper> make(std::vector<Path> paths);

    /// Appends the canonical encoding of root with only the kept fields: a
    /// path kept whole writes its value as it is; a path through an object
    /// keeps only what lies below it; a field missing (or a step into
    /// something that is not an object) writes nothing for that path.
    void write(simdjson::dom::element root, std::string& out);

private:
    struct Entry {
        std::string_view key;
        simdjson::dom::element element;
        bool whole = false;
        uint64_t deeper = 0;  // paths that go on below this key
        int rank = 0;
    };

    // Writes the members of object that the paths in mask reach; false when none did.
    bool write_object(simdjson::dom::object object, std::size_t depth, uint64_t mask, std::string& out);

    std::vector<Path> m_paths;
    std::vector<std::vector<Entry>> m_levels;
};

}  // namespace ev::filter
