#include "expr/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

namespace ev::expr {

namespace dom = simdjson::dom;

dom::array as_array(dom::element e) {
    dom::array a;
    if (e.get_array().get(a) != simdjson::SUCCESS) {
        return {};
    }
    return a;
}

dom::object as_object(dom::element e) {
    dom::object o;
    if (e.get_object().get(o) != simdjson::SUCCESS) {
        return {};
    }
    return o;
}

Value Value::of_element(dom::element element) {
    Value v;
    v.from_event = true;
    v.element = element;
    switch (element.type()) {
        case dom::element_type::ARRAY:
            v.kind = Kind::array;
            break;
        case dom::element_type::OBJECT:
            v.kind = Kind::object;
            break;
        case dom::element_type::INT64:
            v.kind = Kind::number;
            v.number = static_cast<double>(element.get_int64().value_unsafe());
            break;
        case dom::element_type::UINT64:
            v.kind = Kind::number;
            v.number = static_cast<double>(element.get_uint64().value_unsafe());
            break;
        case dom::element_type::DOUBLE:
            v.kind = Kind::number;
            v.number = element.get_double().value_unsafe();
            break;
        case dom::element_type::STRING:
            v.kind = Kind::string;
            v.string = element.get_string().value_unsafe();
            break;
        case dom::element_type::BOOL:
            v.kind = Kind::boolean;
            v.boolean = element.get_bool().value_unsafe();
            break;
        case dom::element_type::NULL_VALUE:
            v.kind = Kind::null;
            break;
    }
    return v;
}

bool truthy(const Value& v) {
    if (v.kind == Value::Kind::null) {
        return false;
    }
    if (v.kind == Value::Kind::boolean) {
        return v.boolean;
    }
    return true;
}

std::optional<std::size_t> container_size(const Value& v) {
    if (v.kind == Value::Kind::array) {
        if (v.list != nullptr) {
            return v.list->size();
        }
        return as_array(v.element).size();
    }
    if (v.kind == Value::Kind::object) {
        return as_object(v.element).size();
    }
    return std::nullopt;
}

namespace {

bool equal_arrays(const Value& a, const Value& b) {
    if (container_size(a) != container_size(b)) {
        return false;
    }
    if (a.list != nullptr) {
        std::size_t i = 0;
        bool same = true;
        for_each_item(b, [&](const Value& item) {
            same = equals((*a.list)[i++], item);
            return same;
        });
        return same;
    }
    if (b.list != nullptr) {
        return equal_arrays(b, a);
    }
    dom::array xs = as_array(a.element);
    dom::array ys = as_array(b.element);
    auto y = ys.begin();
    for (dom::element x : xs) {
        if (y == ys.end() || !equals(Value::of_element(x), Value::of_element(*y))) {
            return false;
        }
        ++y;
    }
    return y == ys.end();
}

bool equal_objects(const Value& a, const Value& b) {
    dom::object xs = as_object(a.element);
    dom::object ys = as_object(b.element);
    if (xs.size() != ys.size()) {
        return false;
    }
    for (dom::key_value_pair member : xs) {
        dom::element other;
        if (ys.at_key(member.key).get(other) != simdjson::SUCCESS) {
            return false;
        }
        if (!equals(Value::of_element(member.value), Value::of_element(other))) {
            return false;
        }
    }
    return true;
}

bool is_integral(double d) {
    return std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9007199254740992.0;
}

}  // namespace

bool equals(const Value& a, const Value& b) {
    if (a.kind != b.kind) {
        return false;
    }
    switch (a.kind) {
        case Value::Kind::null:
            return true;
        case Value::Kind::boolean:
            return a.boolean == b.boolean;
        case Value::Kind::number:
            return a.number == b.number;
        case Value::Kind::string:
            return a.string == b.string;
        case Value::Kind::array:
            return equal_arrays(a, b);
        case Value::Kind::object:
            return equal_objects(a, b);
    }
    return false;
}

std::optional<int> order(const Value& a, const Value& b) {
    if (a.kind == Value::Kind::number && b.kind == Value::Kind::number) {
        if (a.number < b.number) {
            return -1;
        }
        return a.number > b.number ? 1 : 0;
    }
    if (a.kind == Value::Kind::string && b.kind == Value::Kind::string) {
        int c = a.string.compare(b.string);
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    return std::nullopt;
}

bool array_contains(const Value& a, const Value& needle) {
    if (a.kind != Value::Kind::array) {
        return false;
    }
    bool found = false;
    for_each_item(a, [&](const Value& item) {
        found = equals(item, needle);
        return !found;
    });
    return found;
}

std::string_view type_name(const Value& v) {
    switch (v.kind) {
        case Value::Kind::null:
            return "null";
        case Value::Kind::boolean:
            return "boolean";
        case Value::Kind::number:
            return "number";
        case Value::Kind::string:
            return "string";
        case Value::Kind::array:
            return "array";
        case Value::Kind::object:
            return "object";
    }
    return "null";
}

void write_json(const Value& v, std::string& out) {
    if (v.from_event) {
        // A field's value is never a whole event: its keys go in byte order at
        // every level, not in the event schema's order.
        write_canonical_nested(v.element, out);
        return;
    }
    switch (v.kind) {
        case Value::Kind::null:
            out += "null";
            break;
        case Value::Kind::boolean:
            out += v.boolean ? "true" : "false";
            break;
        case Value::Kind::number:
            write_number(v.number, out);
            break;
        case Value::Kind::string:
            json_escape_to(v.string, out);
            break;
        case Value::Kind::array: {
            out += '[';
            bool first = true;
            for_each_item(v, [&](const Value& item) {
                if (!first) {
                    out += ',';
                }
                first = false;
                write_json(item, out);
                return true;
            });
            out += ']';
            break;
        }
        case Value::Kind::object:
            out += "{}";  // objects only come from events, handled above
            break;
    }
}

Json to_owned_json(const Value& v) {
    if (v.from_event) {
        return to_json(v.element);
    }
    switch (v.kind) {
        case Value::Kind::null:
            return Json();
        case Value::Kind::boolean:
            return Json(v.boolean);
        case Value::Kind::number:
            if (is_integral(v.number)) {
                return Json(static_cast<int64_t>(v.number));
            }
            if (!std::isfinite(v.number)) {
                return Json();
            }
            return Json(v.number);
        case Value::Kind::string:
            return Json(v.string);
        case Value::Kind::array: {
            Json out = Json::array();
            for_each_item(v, [&](const Value& item) {
                out.push_back(to_owned_json(item));
                return true;
            });
            return out;
        }
        case Value::Kind::object:
            return Json::object();
    }
    return Json();
}

}  // namespace ev::expr
