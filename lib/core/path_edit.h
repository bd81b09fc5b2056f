// Editing owned Json values by Path: set and delete fields.
#pragma once

#include "core/json.h"
#include "core/path.h"

namespace ev {

/// Sets the field at path, creating missing objects on the way; an index
/// step may replace an existing element or append at the end. False when the
/// path runs through a value that is not a container of the right kind.
bool set_at(Json& root, const Path& path, Json value);

/// Removes the field at path; false when it was not there.
bool erase_at(Json& root, const Path& path);

/// The value at path, or nullptr.
const Json* find_at(const Json& root, const Path& path);

}  // namespace ev
