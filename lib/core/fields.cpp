#include "core/fields.h"

#include <cstring>

namespace ev {

namespace {

constexpr std::string_view k_keys[k_field_count] = {"id",       "time", "type",   "subject", "name",   "state",
                                                    "severity", "ttl",  "metric", "tags",    "message"};

// A key's bytes as an integer (keys of at most 8 bytes), so each compare
// below is one instruction rather than a call to memcmp.
template <std::size_t N>
constexpr uint64_t word(const char (&text)[N]) {
    uint64_t v = 0;
    for (std::size_t i = 0; i + 1 < N; ++i) {
        v |= static_cast<uint64_t>(static_cast<unsigned char>(text[i])) << (8 * i);
    }
    return v;
}

// Loads the N bytes of a key of length N (a constant size: no memcpy call).
template <std::size_t N>
uint64_t load(const char* p) {
    uint64_t v = 0;
    std::memcpy(&v, p, N);
    return v;
}

int field_index(std::string_view key) {
    // Dispatch on length first: most keys are rejected by one compare.
    const char* p = key.data();
    switch (key.size()) {
        case 2:
            return load<2>(p) == word("id") ? 0 : -1;
        case 3:
            return load<3>(p) == word("ttl") ? 7 : -1;
        case 4: {
            uint64_t v = load<4>(p);
            return v == word("time") ? 1 : v == word("type") ? 2 : v == word("name") ? 4 : v == word("tags") ? 9 : -1;
        }
        case 5:
            return load<5>(p) == word("state") ? 5 : -1;
        case 6:
            return load<6>(p) == word("metric") ? 8 : -1;
        case 7: {
            uint64_t v = load<7>(p);
            return v == word("subject") ? 3 : v == word("message") ? 10 : -1;
        }
        case 8:
            return load<8>(p) == word("severity") ? 6 : -1;
        default:
            return -1;
    }
}

}  // namespace

std::string_view field_key(Field field) {
    return k_keys[static_cast<int>(field)];
}

std::string_view ReadFields::index(simdjson::dom::object object) {
    m_present = 0;
    for (auto member : object) {
        int i = field_index(member.key);
        if (i < 0) {
            continue;
        }
        uint32_t bit = 1u << i;
        if (m_present & bit) {
            return k_keys[i];
        }
        m_present |= bit;
        m_at[i] = member.value;
    }
    return {};
}

}  // namespace ev
