#include "filter/keep.h"

#include <fmt/format.h>

#include "core/json.h"

namespace ev::filter {

Result<Keeper> Keeper::make(std::vector<Path> paths) {
    if (paths.size() > k_max_paths) {
        return make_error(fmt::format("at most {} --keep options", k_max_paths));
    }
    for (const Path& path : paths) {
        for (const PathStep& step : path.steps()) {
            if (step.kind != PathStep::Kind::key) {
                return make_error(fmt::format("--keep {}: keeps fields, not array elements", path.to_string()));
            }
        }
    }
    Keeper keeper;
    keeper.m_paths = std::move(paths);
    return keeper;
}

void Keeper::write(simdjson::dom::element root, std::string& out) {
    uint64_t all = m_paths.size() >= 64 ? ~uint64_t{0} : (uint64_t{1} << m_paths.size()) - 1;
    simdjson::dom::object object;
    if (root.get_object().get(object) != simdjson::SUCCESS) {
        out += "{}";
        return;
    }
    if (!write_object(object, 0, all, out)) {
        out += "{}";
    }
}

bool Keeper::write_object(simdjson::dom::object object, std::size_t depth, uint64_t mask, std::string& out) {
    if (m_levels.size() <= depth) {
        m_levels.resize(depth + 1);
    }
    m_levels[depth].clear();
    for (auto member : object) {
        Entry entry;
        entry.key = member.key;
        entry.element = member.value;
        for (std::size_t i = 0; i < m_paths.size(); ++i) {
            if ((mask & (uint64_t{1} << i)) == 0 || m_paths[i].steps()[depth].key != member.key) {
                continue;
            }
            if (m_paths[i].steps().size() == depth + 1) {
                entry.whole = true;
            } else {
                entry.deeper |= uint64_t{1} << i;
            }
        }
        if (entry.whole || (entry.deeper != 0 && entry.element.is_object())) {
            entry.rank = depth == 0 ? canonical_key_rank(entry.key) : 0;
            m_levels[depth].push_back(entry);
        }
    }
    sort_canonical(m_levels[depth]);
    std::size_t opened = out.size();
    out += '{';
    bool any = false;
    // Deeper levels may grow m_levels, so entries are read by index each time.
    for (std::size_t k = 0; k < m_levels[depth].size(); ++k) {
        const Entry entry = m_levels[depth][k];
        std::size_t before = out.size();
        if (any) {
            out += ',';
        }
        json_escape_to(entry.key, out);
        out += ':';
        if (entry.whole) {
            write_canonical_nested(entry.element, out);
        } else if (!write_object(entry.element.get_object().value_unsafe(), depth + 1, entry.deeper, out)) {
            out.resize(before);  // nothing below it was kept: the key goes too
            continue;
        }
        any = true;
    }
    if (!any) {
        out.resize(opened);
        return false;
    }
    out += '}';
    return true;
}

}  // namespace ev::filter
