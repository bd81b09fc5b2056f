// Value: the run-time value of an expression, a small struct that borrows
// strings and arrays from the event or from the node that computed it.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"

namespace ev::expr {

/// A value seen during evaluation; never owns memory, so copying it is free.
struct Value {
    /// The JSON type of the value.
    enum class Kind : std::uint8_t { null, boolean, number, string, array, object };

    /// Which of the members below holds the value.
    Kind kind = Kind::null;
    /// True when the value is a field of the event; `element` is then valid.
    bool from_event = false;
    /// The value of a boolean.
    bool boolean = false;
    /// The value of a number (event integers converted to double).
    double number = 0;
    /// The bytes of a string, borrowed from the event or the node that made it.
    std::string_view string;
    /// The event element the value came from (arrays and objects always have one unless `list` is set).
    simdjson::dom::element element;
    /// Items of an array built by the expression itself (a list literal).
    const std::vector<Value>* list = nullptr;

    /// The null value (also what a missing field evaluates to).
    static Value null() { return Value{}; }
    /// A boolean value.
    static Value of_bool(bool b) {
        Value v;
        v.kind = Kind::boolean;
        v.boolean = b;
        return v;
    }
    /// A number value.
    static Value of_number(double n) {
        Value v;
        v.kind = Kind::number;
        v.number = n;
        return v;
    }
    /// A string value borrowing s.
    static Value of_string(std::string_view s) {
        Value v;
        v.kind = Kind::string;
        v.string = s;
        return v;
    }
    /// An array value borrowing items.
    static Value of_list(const std::vector<Value>* items) {
        Value v;
        v.kind = Kind::array;
        v.list = items;
        return v;
    }
    /// The value of an event element (numbers become doubles, strings borrow the parser's buffer).
    static Value of_element(simdjson::dom::element element);
};

/// The array of an element known to be one (an empty view otherwise).
simdjson::dom::array as_array(simdjson::dom::element e);

/// The object of an element known to be one (an empty view otherwise).
simdjson::dom::object as_object(simdjson::dom::element e);

/// Calls f(item) for every item of an array value until f returns false.
template <class F>
void for_each_item(const Value& v, F&& f) {
    if (v.list != nullptr) {
        for (const Value& item : *v.list) {
            if (!f(item)) {
                return;
            }
        }
        return;
    }
    for (simdjson::dom::element item : as_array(v.element)) {
        if (!f(Value::of_element(item))) {
            return;
        }
    }
}

/// jq truthiness: everything but false and null is true.
bool truthy(const Value& v);

/// Deep equality: same type and value; numbers compare as doubles.
bool equals(const Value& a, const Value& b);

/// Ordering for < <= > >=: -1, 0 or 1 for two numbers or two strings, nothing otherwise.
std::optional<int> order(const Value& a, const Value& b);

/// Number of items of an array or members of an object; nothing for other kinds.
std::optional<std::size_t> container_size(const Value& v);

/// True when array a holds an item equal to needle; false when a is no array.
bool array_contains(const Value& a, const Value& needle);

/// Name of the value's type as type() reports it: null, boolean, number, string, array, object.
std::string_view type_name(const Value& v);

/// Appends the canonical JSON encoding of v as a nested value: object keys in
/// byte order at every level (event fields keep their exact numbers).
void write_json(const Value& v, std::string& out);

/// The value as an owned Json; integral numbers become integers.
Json to_owned_json(const Value& v);

}  // namespace ev::expr
