#include "filter/rewrite.h"

#include <algorithm>

#include "core/json.h"

namespace ev::filter {

namespace {

bool only_keys_after(const Path& path, std::size_t from) {
    for (std::size_t i = from; i < path.steps().size(); ++i) {
        if (path.steps()[i].kind != PathStep::Kind::key) {
            return false;
        }
    }
    return true;
}

}  // namespace

void Rewriter::write(simdjson::dom::element root, const std::vector<Edit>& edits, std::string& out) {
    m_edits = &edits;
    uint64_t all = 0;
    for (std::size_t i = 0; i < edits.size(); ++i) {
        if (!edits[i].skip) {
            all |= uint64_t{1} << i;
        }
    }
    write_object(&root, 0, all, true, out);
}

void Rewriter::write_object(const simdjson::dom::element* source, std::size_t depth, uint64_t edits, bool top,
                            std::string& out) {
    if (m_levels.size() <= depth) {
        m_levels.resize(depth + 1);
    }
    std::vector<Entry>& entries = m_levels[depth];
    entries.clear();
    simdjson::dom::object object;
    if (source != nullptr && source->get_object().get(object) == simdjson::SUCCESS) {
        for (auto field : object) {
            Entry entry;
            entry.key = field.key;
            entry.element = field.value;
            entry.has_element = true;
            entries.push_back(entry);
        }
    }
    const std::vector<Edit>& all = *m_edits;
    for (std::size_t i = 0; i < all.size(); ++i) {
        if ((edits & (uint64_t{1} << i)) == 0) {
            continue;
        }
        const Edit& edit = all[i];
        const PathStep& step = edit.path.steps()[depth];
        if (step.kind != PathStep::Kind::key) {
            continue;  // an index step cannot apply to an object
        }
        auto it = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.key == step.key; });
        bool final_step = edit.path.steps().size() == depth + 1;
        // An index step reaches only an existing array: nothing is created for it.
        bool next_is_index = !final_step && edit.path.steps()[depth + 1].kind == PathStep::Kind::index;
        if (next_is_index &&
            (it == entries.end() || it->set_edit >= 0 || it->removed || !it->has_element || !it->element.is_array())) {
            continue;
        }
        if (!final_step && (it == entries.end() || !it->has_element) && !only_keys_after(edit.path, depth + 1)) {
            continue;  // a missing object would be created for a path that then needs an array
        }
        if (it == entries.end()) {
            if (edit.remove) {
                continue;
            }
            Entry entry;
            entry.key = step.key;
            entries.push_back(entry);
            it = entries.end() - 1;
        }
        if (final_step) {
            it->removed = edit.remove;
            it->set_edit = edit.remove ? -1 : static_cast<int>(i);
            it->deeper = 0;
        } else if (it->set_edit < 0) {
            if (it->removed) {
                // Deleted earlier, now written into again: starts afresh.
                it->removed = false;
                it->has_element = false;
            }
            it->deeper |= uint64_t{1} << i;
        }
    }
    for (Entry& entry : entries) {
        entry.rank = top ? canonical_key_rank(entry.key) : 0;
    }
    sort_canonical(entries);
    out += '{';
    bool first = true;
    // entries may be reallocated by deeper levels? No: deeper levels use m_levels[depth + 1...],
    // but m_levels itself may grow, so index through m_levels each time.
    for (std::size_t k = 0; k < m_levels[depth].size(); ++k) {
        const Entry entry = m_levels[depth][k];
        if (entry.removed) {
            continue;
        }
        if (!first) {
            out += ',';
        }
        first = false;
        json_escape_to(entry.key, out);
        out += ':';
        write_value(entry, depth, out);
    }
    out += '}';
}

void Rewriter::write_value(const Entry& entry, std::size_t depth, std::string& out) {
    if (entry.set_edit >= 0) {
        out += (*m_edits)[static_cast<std::size_t>(entry.set_edit)].value;
        return;
    }
    if (entry.deeper == 0) {
        write_canonical_nested(entry.element, out);
        return;
    }
    simdjson::dom::array array;
    if (entry.has_element && entry.element.get_array().get(array) == simdjson::SUCCESS) {
        write_array(array, depth + 1, entry.deeper, out);
        return;
    }
    const bool is_object = entry.has_element && entry.element.is_object();
    write_object(is_object ? &entry.element : nullptr, depth + 1, entry.deeper, false, out);
}

void Rewriter::write_array(simdjson::dom::array source, std::size_t depth, uint64_t edits, std::string& out) {
    out += '[';
    bool first = true;
    std::size_t index = 0;
    const std::vector<Edit>& all = *m_edits;
    for (simdjson::dom::element item : source) {
        Entry entry;
        entry.element = item;
        entry.has_element = true;
        for (std::size_t i = 0; i < all.size(); ++i) {
            if ((edits & (uint64_t{1} << i)) == 0) {
                continue;
            }
            const PathStep& step = all[i].path.steps()[depth];
            if (step.kind != PathStep::Kind::index || step.index != index) {
                continue;
            }
            if (all[i].path.steps().size() == depth + 1) {
                entry.removed = all[i].remove;
                entry.set_edit = all[i].remove ? -1 : static_cast<int>(i);
                entry.deeper = 0;
            } else if (entry.set_edit < 0 && !entry.removed) {
                entry.deeper |= uint64_t{1} << i;
            }
        }
        ++index;
        if (entry.removed) {
            continue;
        }
        if (!first) {
            out += ',';
        }
        first = false;
        write_value(entry, depth, out);
    }
    out += ']';
}

}  // namespace ev::filter
