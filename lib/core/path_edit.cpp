#include "core/path_edit.h"

namespace ev {

namespace {

// The child of cur that step names, or nullptr.
Json* step_into(Json* cur, const PathStep& step) {
    if (step.kind == PathStep::Kind::key) {
        return cur->find(step.key);
    }
    return cur->is_array() && step.index < cur->items().size() ? &cur->items()[step.index] : nullptr;
}

}  // namespace

bool set_at(Json& root, const Path& path, Json value) {
    Json* cur = &root;
    const auto& steps = path.steps();
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const PathStep& step = steps[i];
        bool last = i + 1 == steps.size();
        if (step.kind == PathStep::Kind::key) {
            if (!cur->is_object()) {
                if (!cur->is_null()) {
                    return false;
                }
                *cur = Json::object();
            }
            Json* next = cur->find(step.key);
            if (last) {
                cur->set(step.key, std::move(value));
                return true;
            }
            cur = next != nullptr ? next : &cur->set(step.key, Json());
        } else {
            if (!cur->is_array()) {
                return false;
            }
            auto& items = cur->items();
            if (step.index > items.size()) {
                return false;
            }
            if (step.index == items.size()) {
                items.emplace_back();
            }
            if (last) {
                items[step.index] = std::move(value);
                return true;
            }
            cur = &items[step.index];
        }
    }
    root = std::move(value);
    return true;
}

bool erase_at(Json& root, const Path& path) {
    const auto& steps = path.steps();
    if (steps.empty()) {
        return false;
    }
    Json* cur = &root;
    for (std::size_t i = 0; i + 1 < steps.size(); ++i) {
        cur = step_into(cur, steps[i]);
        if (cur == nullptr) {
            return false;
        }
    }
    const PathStep& last = steps.back();
    if (last.kind == PathStep::Kind::key) {
        return cur->erase(last.key);
    }
    if (!cur->is_array() || last.index >= cur->items().size()) {
        return false;
    }
    cur->items().erase(cur->items().begin() + static_cast<std::ptrdiff_t>(last.index));
    return true;
}

const Json* find_at(const Json& root, const Path& path) {
    Json* cur = const_cast<Json*>(&root);  // step_into does not modify
    for (const PathStep& step : path.steps()) {
        cur = step_into(cur, step);
        if (cur == nullptr) {
            return nullptr;
        }
    }
    return cur;
}

}  // namespace ev
