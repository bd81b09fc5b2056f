// The precompiled header: the library headers nearly every source includes,
// parsed once per build instead of once per file (the Makefile passes it
// with -include). Sources still include what they use; this only speeds
// the build up, and the fuzz builds do without it.
// An include guard, not #pragma once: the header is also compiled as a
// main file, where GCC warns about the pragma.
#ifndef EV_CORE_PCH_H
#define EV_CORE_PCH_H

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#endif
