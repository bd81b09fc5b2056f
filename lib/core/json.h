// Json: an owned JSON value for events a tool creates or changes, and the
// canonical encoding every evkit tool writes.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/result.h"

namespace ev {

class Json;

/// Members of a JSON object in insertion order; the encoder orders keys itself.
using JsonMembers = std::vector<std::pair<std::string, Json>>;

/// An owned JSON value: null, bool, integer, number, string, array or object.
class Json {
public:
    /// unsigned_integer holds integers above INT64_MAX exactly (up to UINT64_MAX).
    enum class Kind { null, boolean, integer, number, string, array, object, unsigned_integer };

    Json() = default;
    Json(std::nullptr_t) {}
    Json(bool b) : m_v(b) {}
    Json(int i) : m_v(static_cast<int64_t>(i)) {}
    Json(int64_t i) : m_v(i) {}
    Json(uint64_t u) : m_v(u <= static_cast<uint64_t>(INT64_MAX) ? Value(static_cast<int64_t>(u)) : Value(u)) {}
    Json(double d) : m_v(d) {}
    Json(const char* s) : m_v(std::string(s)) {}
    Json(std::string s) : m_v(std::move(s)) {}
    Json(std::string_view s) : m_v(std::string(s)) {}

    /// An empty JSON array.
    static Json array() {
        Json j;
        j.m_v = std::vector<Json>{};
        return j;
    }
    /// An empty JSON object.
    static Json object() {
        Json j;
        j.m_v = JsonMembers{};
        return j;
    }

    Kind kind() const { return static_cast<Kind>(m_v.index()); }
    bool is_null() const { return kind() == Kind::null; }
    bool is_object() const { return kind() == Kind::object; }
    bool is_array() const { return kind() == Kind::array; }
    bool is_string() const { return kind() == Kind::string; }
    /// True for integers and other numbers alike.
    bool is_number() const {
        return kind() == Kind::integer || kind() == Kind::number || kind() == Kind::unsigned_integer;
    }

    bool as_bool() const { return std::get<bool>(m_v); }
    int64_t as_integer() const { return std::get<int64_t>(m_v); }
    uint64_t as_unsigned() const { return std::get<uint64_t>(m_v); }
    /// The numeric value as a double (integers converted).
    double as_number() const;
    const std::string& as_string() const { return std::get<std::string>(m_v); }
    std::vector<Json>& items() { return std::get<std::vector<Json>>(m_v); }
    const std::vector<Json>& items() const { return std::get<std::vector<Json>>(m_v); }
    JsonMembers& members() { return std::get<JsonMembers>(m_v); }
    const JsonMembers& members() const { return std::get<JsonMembers>(m_v); }

    /// Object member lookup; nullptr when absent or when this is not an object.
    const Json* find(std::string_view key) const;
    Json* find(std::string_view key);
    /// Sets an object member, replacing an existing one; turns null into an object.
    Json& set(std::string_view key, Json value);
    /// Removes an object member; false when it was absent.
    bool erase(std::string_view key);
    /// Appends to an array; turns null into an array.
    void push_back(Json value);

    bool operator==(const Json& other) const;

private:
    using Value =
        std::variant<std::nullptr_t, bool, int64_t, double, std::string, std::vector<Json>, JsonMembers, uint64_t>;
    Value m_v;
};

/// The value of a JSON number (integer or not) as a double; nullopt for
/// anything else.
std::optional<double> json_number(simdjson::dom::element value);

/// Converts a parsed simdjson element into an owned Json value.
Json to_json(simdjson::dom::element element);

/// Parses one JSON text into an owned value.
Result<Json> parse_json(std::string_view text);

/// Appends the canonical encoding of value: top-level keys of an event in
/// the schema order (see docs/events.md), nested keys in byte order, no
/// spaces, shortest round-trip numbers, minimal string escapes.
void write_canonical(const Json& value, std::string& out);

/// Appends the canonical encoding of a parsed element (same rules as above).
void write_canonical(simdjson::dom::element element, std::string& out);

/// Appends the canonical encoding of a value nested inside an event (a field's
/// value, an expression's result): every object's keys in byte order, the
/// event order never applies. Use it for anything that is not a whole event.
void write_canonical_nested(simdjson::dom::element element, std::string& out);

/// The same for an owned value nested inside an event.
void write_canonical_nested(const Json& value, std::string& out);

/// The canonical encoding as a new string.
std::string to_canonical(const Json& value);

/// Appends a JSON string literal (with quotes) for s, escaping minimally.
void json_escape_to(std::string_view s, std::string& out);

/// Decodes a JSON string literal including its quotes; errors on bad escapes.
Result<std::string> json_unescape(std::string_view literal);

/// Appends the shortest text that reads back as exactly d; null when not finite.
void write_number(double d, std::string& out);

/// Rank of a top-level event key in the canonical order; unknown keys share the last rank.
int canonical_key_rank(std::string_view key);

/// Sorts members into the canonical order by their `rank` (canonical_key_rank
/// at the top level, 0 below) and then their `key`; stable, so duplicate keys
/// keep their order. An insertion sort: allocation-free, and fastest for the
/// handful of keys an event object has.
template <class T>
void sort_canonical(std::vector<T>& items) {
    for (std::size_t i = 1; i < items.size(); ++i) {
        T item = items[i];
        std::size_t j = i;
        while (j > 0 &&
               (item.rank != items[j - 1].rank ? item.rank < items[j - 1].rank : item.key < items[j - 1].key)) {
            items[j] = items[j - 1];
            --j;
        }
        items[j] = item;
    }
}

}  // namespace ev
