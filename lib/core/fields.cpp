#include "core/fields.h"

#include <cstring>

namespace ev {

namespace {

constexpr std::string_view k_keys[k_field_count] = {"id",       "time", "type",   "subject", "name",   "state",
                                                    "severity", "ttl",  "metric", "tags",    "message"};

// A key's bytes as an integer (keys of at most 8 bytes, little endian), so a
// compare is one instruction rather than a call to memcmp.
constexpr uint64_t word(std::string_view text) {
    uint64_t v = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        v |= static_cast<uint64_t>(static_cast<unsigned char>(text[i])) << (8 * i);
    }
    return v;
}

// The bucket of a key: its length and first two bytes, which tell the read
// fields apart (checked below at compile time). Reading p[1] of a shorter key
// is safe: simdjson ends every string with a NUL.
constexpr unsigned bucket(std::size_t size, unsigned char c0, unsigned char c1) {
    return ((static_cast<unsigned>(size) << 2) + c0 + c1) & 31;
}

struct Slot {
    uint64_t word = 0;
    uint64_t mask = 0;
    uint32_t size = 0;  // 0: no field here (no read field has an empty key)
    int index = -1;
};

struct Table {
    Slot slots[32];
};

constexpr Table make_table() {
    Table t;
    for (int i = 0; i < k_field_count; ++i) {
        std::string_view key = k_keys[i];
        Slot& slot =
            t.slots[bucket(key.size(), static_cast<unsigned char>(key[0]), static_cast<unsigned char>(key[1]))];
        if (slot.size != 0) {
            throw "two read fields share a bucket: change bucket()";  // a compile error in a constexpr
        }
        slot = {word(key), key.size() == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * key.size())) - 1,
                static_cast<uint32_t>(key.size()), i};
    }
    return t;
}

constexpr Table k_table = make_table();

// One table look-up and one compare per key, instead of a branch per length
// and per candidate: most keys are rejected by the size or word compare.
// Loading 8 bytes at any key is safe: simdjson's string buffer is padded.
int field_index(std::string_view key) {
    const char* p = key.data();
    const Slot& slot =
        k_table.slots[bucket(key.size(), static_cast<unsigned char>(p[0]), static_cast<unsigned char>(p[1]))];
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return key.size() == slot.size && (v & slot.mask) == slot.word ? slot.index : -1;
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

bool ReadFields::state_and_severity_disagree() const {
    auto state = get(Field::state);
    auto severity = get(Field::severity);
    if (!state || !severity) {
        return false;
    }
    auto a = state_of_state_field(*state);
    auto b = state_of_severity_field(*severity);
    return a && b && *a != *b;
}

std::optional<State> state_of_state_field(simdjson::dom::element value) {
    std::string_view name;
    if (value.get_string().get(name) != simdjson::SUCCESS) {
        return std::nullopt;
    }
    return parse_state(name);
}

std::optional<State> state_of_severity_field(simdjson::dom::element value) {
    if (!value.is_int64()) {
        return std::nullopt;
    }
    return state_from_severity(value.get_int64().value_unsafe());
}

}  // namespace ev
