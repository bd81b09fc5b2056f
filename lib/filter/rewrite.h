// Rewriter: re-encodes a parsed event canonically with --set/--del edits
// applied, straight from simdjson's tape, with no per-event allocation.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/path.h"

namespace ev::filter {

/// One edit: set path to an already encoded JSON value, or delete path.
struct Edit {
    Path path;
    bool remove = false;
    std::string value;  ///< canonical JSON text, filled in per event for sets
    bool skip = false;  ///< per event: leave the field as it was (its value failed)
};

/// Writes events with edits applied. Edits apply in order (those marked skip
/// do nothing); a set through a
/// missing field or a non-container creates objects on the way; an index step
/// reaches only an existing array element.
class Rewriter {
public:
    /// At most 64 edits (checked by the caller).
    static constexpr std::size_t k_max_edits = 64;

    /// Appends the canonical encoding of root with edits applied to out.
    void write(simdjson::dom::element root, const std::vector<Edit>& edits, std::string& out);

private:
    struct Entry {
        std::string_view key;
        simdjson::dom::element element;
        bool has_element = false;
        bool removed = false;
        int set_edit = -1;    // >= 0: the value comes from this edit
        uint64_t deeper = 0;  // edits that reach below this key
        int rank = 0;
    };

    void write_object(const simdjson::dom::element* source, std::size_t depth, uint64_t edits, bool top,
                      std::string& out);
    void write_array(simdjson::dom::array source, std::size_t depth, uint64_t edits, std::string& out);
    void write_value(const Entry& entry, std::size_t depth, std::string& out);

    const std::vector<Edit>* m_edits = nullptr;
    std::vector<std::vector<Entry>> m_levels;
};

}  // namespace ev::filter
