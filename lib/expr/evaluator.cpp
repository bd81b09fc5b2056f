#include "expr/evaluator.h"

#include <re2/re2.h>
#include <cstring>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>

namespace ev::expr {

namespace dom = simdjson::dom;

// ---------------------------------------------------------------------------
// Values

namespace {

// The array of an element known to be one (copied out so no temporary dangles).
dom::array as_array(dom::element e) {
    dom::array a;
    if (e.get_array().get(a) != simdjson::SUCCESS) {
        return {};
    }
    return a;
}

// The object of an element known to be one.
dom::object as_object(dom::element e) {
    dom::object o;
    if (e.get_object().get(o) != simdjson::SUCCESS) {
        return {};
    }
    return o;
}

}  // namespace

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

// Calls f(item) for every item of an array value until f returns false.
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
    for (dom::element item : as_array(v.element)) {
        if (!f(Value::of_element(item))) {
            return;
        }
    }
}

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
        write_canonical(v.element, out);
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

// ---------------------------------------------------------------------------
// Operators

namespace {

Value number_or_null(double d) {
    // inf and nan cannot be written as JSON; overflow and 0/0 give null like division by zero.
    return std::isfinite(d) ? Value::of_number(d) : Value::null();
}

}  // namespace

Value apply_binary(BinaryOp op, const Value& left, const Value& right) {
    switch (op) {
        case BinaryOp::eq:
            return Value::of_bool(equals(left, right));
        case BinaryOp::ne:
            return Value::of_bool(!equals(left, right));
        case BinaryOp::lt: {
            auto c = order(left, right);
            return Value::of_bool(c && *c < 0);
        }
        case BinaryOp::le: {
            auto c = order(left, right);
            return Value::of_bool(c && *c <= 0);
        }
        case BinaryOp::gt: {
            auto c = order(left, right);
            return Value::of_bool(c && *c > 0);
        }
        case BinaryOp::ge: {
            auto c = order(left, right);
            return Value::of_bool(c && *c >= 0);
        }
        case BinaryOp::in:
            if (right.kind == Value::Kind::object) {
                if (left.kind != Value::Kind::string) {
                    return Value::of_bool(false);
                }
                dom::element ignored;
                return Value::of_bool(as_object(right.element).at_key(left.string).get(ignored) == simdjson::SUCCESS);
            }
            return Value::of_bool(array_contains(right, left));
        default:
            break;
    }
    if (left.kind != Value::Kind::number || right.kind != Value::Kind::number) {
        return Value::null();
    }
    switch (op) {
        case BinaryOp::add:
            return number_or_null(left.number + right.number);
        case BinaryOp::sub:
            return number_or_null(left.number - right.number);
        case BinaryOp::mul:
            return number_or_null(left.number * right.number);
        case BinaryOp::div:
            if (right.number == 0) {
                return Value::null();
            }
            return number_or_null(left.number / right.number);
        default:
            return Value::null();
    }
}

// ---------------------------------------------------------------------------
// Nodes

namespace {

// Deep copy of a computed value into storage owned by a constant node.
class ConstantNode final : public Node {
public:
    explicit ConstantNode(const Value& v) { m_value = own(v); }
    Value eval(const Context&) override { return m_value; }
    bool is_constant() const override { return true; }

private:
    Value own(const Value& v) {
        Value copy = v;
        copy.from_event = false;
        copy.element = dom::element();
        if (v.kind == Value::Kind::string) {
            copy.string = m_strings.emplace_back(v.string);
        } else if (v.kind == Value::Kind::array) {
            std::vector<Value> items;
            for_each_item(v, [&](const Value& item) {
                items.push_back(own(item));
                return true;
            });
            copy.list = &m_lists.emplace_back(std::move(items));
        } else if (v.kind == Value::Kind::object) {
            copy = Value::null();  // constants never hold objects: no object literals exist
        }
        return copy;
    }

    Value m_value;
    std::deque<std::string> m_strings;
    std::deque<std::vector<Value>> m_lists;
};

class PathNode final : public Node {
public:
    explicit PathNode(Path path) : m_path(std::move(path)) {}
    Value eval(const Context& ctx) override {
        auto found = m_path.lookup(ctx.event);
        return found ? Value::of_element(*found) : Value::null();
    }

private:
    Path m_path;
};

class ExistsNode final : public Node {
public:
    explicit ExistsNode(Path path) : m_path(std::move(path)) {}
    Value eval(const Context& ctx) override { return Value::of_bool(m_path.lookup(ctx.event).has_value()); }

private:
    Path m_path;
};

class NotNode final : public Node {
public:
    explicit NotNode(NodePtr operand) : m_operand(std::move(operand)) {}
    Value eval(const Context& ctx) override { return Value::of_bool(!truthy(m_operand->eval(ctx))); }

private:
    NodePtr m_operand;
};

class NegateNode final : public Node {
public:
    explicit NegateNode(NodePtr operand) : m_operand(std::move(operand)) {}
    Value eval(const Context& ctx) override {
        Value v = m_operand->eval(ctx);
        return v.kind == Value::Kind::number ? Value::of_number(-v.number) : Value::null();
    }

private:
    NodePtr m_operand;
};

class AndNode final : public Node {
public:
    AndNode(NodePtr left, NodePtr right) : m_left(std::move(left)), m_right(std::move(right)) {}
    Value eval(const Context& ctx) override {
        return Value::of_bool(truthy(m_left->eval(ctx)) && truthy(m_right->eval(ctx)));
    }

private:
    NodePtr m_left;
    NodePtr m_right;
};

class OrNode final : public Node {
public:
    OrNode(NodePtr left, NodePtr right) : m_left(std::move(left)), m_right(std::move(right)) {}
    Value eval(const Context& ctx) override {
        return Value::of_bool(truthy(m_left->eval(ctx)) || truthy(m_right->eval(ctx)));
    }

private:
    NodePtr m_left;
    NodePtr m_right;
};

class BinaryNode final : public Node {
public:
    BinaryNode(BinaryOp op, NodePtr left, NodePtr right)
        : m_op(op), m_left(std::move(left)), m_right(std::move(right)) {}
    Value eval(const Context& ctx) override {
        Value left = m_left->eval(ctx);
        Value right = m_right->eval(ctx);
        return apply_binary(m_op, left, right);
    }

private:
    BinaryOp m_op;
    NodePtr m_left;
    NodePtr m_right;
};

class ListNode final : public Node {
public:
    explicit ListNode(std::vector<NodePtr> items) : m_items(std::move(items)) { m_values.resize(m_items.size()); }
    Value eval(const Context& ctx) override {
        for (std::size_t i = 0; i < m_items.size(); ++i) {
            m_values[i] = m_items[i]->eval(ctx);
        }
        return Value::of_list(&m_values);
    }

private:
    std::vector<NodePtr> m_items;
    std::vector<Value> m_values;
};

class MatchNode final : public Node {
public:
    MatchNode(NodePtr subject, std::unique_ptr<re2::RE2> regex, bool negate)
        : m_subject(std::move(subject)), m_regex(std::move(regex)), m_negate(negate) {
        // A case-sensitive pattern without metacharacters is a substring
        // search: memmem is several times faster than running the automaton.
        const std::string& pattern = m_regex->pattern();
        m_literal = m_regex->options().case_sensitive() && !pattern.empty() &&
                    pattern.find_first_of("\\^$.|?*+()[]{}") == std::string::npos;
    }
    Value eval(const Context& ctx) override {
        Value v = m_subject->eval(ctx);
        if (v.kind != Value::Kind::string) {
            return Value::of_bool(false);
        }
        bool matched = false;
        if (m_literal) {
            const std::string& pattern = m_regex->pattern();
            matched = memmem(v.string.data(), v.string.size(), pattern.data(), pattern.size()) != nullptr;
        } else {
            matched = re2::RE2::PartialMatch(re2::StringPiece(v.string.data(), v.string.size()), *m_regex);
        }
        return Value::of_bool(matched != m_negate);
    }

private:
    NodePtr m_subject;
    std::unique_ptr<re2::RE2> m_regex;
    bool m_negate;
    bool m_literal = false;
};

class DynamicMatchNode final : public Node {
public:
    DynamicMatchNode(NodePtr subject, NodePtr pattern, bool negate)
        : m_subject(std::move(subject)), m_pattern(std::move(pattern)), m_negate(negate) {}
    Value eval(const Context& ctx) override {
        Value v = m_subject->eval(ctx);
        Value p = m_pattern->eval(ctx);
        if (v.kind != Value::Kind::string || p.kind != Value::Kind::string) {
            return Value::of_bool(false);
        }
        if (!m_have_cache || p.string != m_cached_pattern) {
            m_cached_pattern.assign(p.string);
            re2::RE2::Options options;
            options.set_log_errors(false);
            m_cached = std::make_unique<re2::RE2>(m_cached_pattern, options);
            m_have_cache = true;
        }
        if (!m_cached->ok()) {
            return Value::of_bool(false);
        }
        bool matched = re2::RE2::PartialMatch(re2::StringPiece(v.string.data(), v.string.size()), *m_cached);
        return Value::of_bool(matched != m_negate);
    }

private:
    NodePtr m_subject;
    NodePtr m_pattern;
    bool m_negate;
    bool m_have_cache = false;
    std::string m_cached_pattern;
    std::unique_ptr<re2::RE2> m_cached;
};

class CallNode final : public Node {
public:
    CallNode(Function function, std::vector<NodePtr> args) : m_function(function), m_args(std::move(args)) {}
    Value eval(const Context& ctx) override;

private:
    Value arg(std::size_t i, const Context& ctx) { return m_args[i]->eval(ctx); }
    Value map_case(const Context& ctx, bool upper);
    Value to_number(const Context& ctx);
    Value to_string(const Context& ctx);
    Value extreme(const Context& ctx, bool want_max);
    Value affix(const Context& ctx);

    Function m_function;
    std::vector<NodePtr> m_args;
    std::string m_scratch;
};

Value CallNode::map_case(const Context& ctx, bool upper) {
    Value v = arg(0, ctx);
    if (v.kind != Value::Kind::string) {
        return Value::null();
    }
    m_scratch.assign(v.string);
    for (char& c : m_scratch) {
        if (upper && c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        } else if (!upper && c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return Value::of_string(m_scratch);
}

Value CallNode::to_number(const Context& ctx) {
    Value v = arg(0, ctx);
    if (v.kind == Value::Kind::number) {
        return Value::of_number(v.number);
    }
    if (v.kind != Value::Kind::string || v.string.empty()) {
        return Value::null();
    }
    double d = 0;
    const char* end = v.string.data() + v.string.size();
    auto [ptr, ec] = std::from_chars(v.string.data(), end, d);
    if (ec != std::errc() || ptr != end || !std::isfinite(d)) {
        return Value::null();
    }
    return Value::of_number(d);
}

Value CallNode::to_string(const Context& ctx) {
    Value v = arg(0, ctx);
    if (v.kind == Value::Kind::string) {
        return v;
    }
    m_scratch.clear();
    if (v.kind == Value::Kind::number && !v.from_event) {
        write_number(v.number, m_scratch);
    } else {
        write_json(v, m_scratch);
    }
    return Value::of_string(m_scratch);
}

Value CallNode::extreme(const Context& ctx, bool want_max) {
    double best = 0;
    for (std::size_t i = 0; i < m_args.size(); ++i) {
        Value v = arg(i, ctx);
        if (v.kind != Value::Kind::number) {
            return Value::null();
        }
        if (i == 0 || (want_max ? v.number > best : v.number < best)) {
            best = v.number;
        }
    }
    return Value::of_number(best);
}

Value CallNode::affix(const Context& ctx) {
    Value s = arg(0, ctx);
    Value x = arg(1, ctx);
    if (m_function == Function::contains && s.kind == Value::Kind::array) {
        return Value::of_bool(array_contains(s, x));
    }
    if (s.kind != Value::Kind::string || x.kind != Value::Kind::string) {
        return Value::of_bool(false);
    }
    if (m_function == Function::starts_with) {
        return Value::of_bool(s.string.starts_with(x.string));
    }
    if (m_function == Function::ends_with) {
        return Value::of_bool(s.string.ends_with(x.string));
    }
    return Value::of_bool(s.string.find(x.string) != std::string_view::npos);
}

Value CallNode::eval(const Context& ctx) {
    switch (m_function) {
        case Function::lower:
            return map_case(ctx, false);
        case Function::upper:
            return map_case(ctx, true);
        case Function::len: {
            Value v = arg(0, ctx);
            if (v.kind == Value::Kind::string) {
                return Value::of_number(static_cast<double>(v.string.size()));
            }
            auto n = container_size(v);
            return n ? Value::of_number(static_cast<double>(*n)) : Value::null();
        }
        case Function::starts_with:
        case Function::ends_with:
        case Function::contains:
            return affix(ctx);
        case Function::now:
            return Value::of_number(ctx.clock != nullptr ? ctx.clock->now() : 0.0);
        case Function::number:
            return to_number(ctx);
        case Function::string:
            return to_string(ctx);
        case Function::abs:
        case Function::floor:
        case Function::ceil:
        case Function::round: {
            Value v = arg(0, ctx);
            if (v.kind != Value::Kind::number) {
                return Value::null();
            }
            double d = v.number;
            switch (m_function) {
                case Function::abs:
                    return Value::of_number(std::fabs(d));
                case Function::floor:
                    return Value::of_number(std::floor(d));
                case Function::ceil:
                    return Value::of_number(std::ceil(d));
                default:
                    return Value::of_number(std::round(d));
            }
        }
        case Function::min:
            return extreme(ctx, false);
        case Function::max:
            return extreme(ctx, true);
        case Function::coalesce:
            for (std::size_t i = 0; i < m_args.size(); ++i) {
                Value v = arg(i, ctx);
                if (v.kind != Value::Kind::null) {
                    return v;
                }
            }
            return Value::null();
        case Function::type:
            return Value::of_string(type_name(arg(0, ctx)));
    }
    return Value::null();
}

}  // namespace

NodePtr make_constant(const Value& v) {
    return std::make_unique<ConstantNode>(v);
}
NodePtr make_path(Path path) {
    return std::make_unique<PathNode>(std::move(path));
}
NodePtr make_exists(Path path) {
    return std::make_unique<ExistsNode>(std::move(path));
}
NodePtr make_not(NodePtr operand) {
    return std::make_unique<NotNode>(std::move(operand));
}
NodePtr make_negate(NodePtr operand) {
    return std::make_unique<NegateNode>(std::move(operand));
}
NodePtr make_and(NodePtr left, NodePtr right) {
    return std::make_unique<AndNode>(std::move(left), std::move(right));
}
NodePtr make_or(NodePtr left, NodePtr right) {
    return std::make_unique<OrNode>(std::move(left), std::move(right));
}
NodePtr make_binary(BinaryOp op, NodePtr left, NodePtr right) {
    return std::make_unique<BinaryNode>(op, std::move(left), std::move(right));
}
NodePtr make_list(std::vector<NodePtr> items) {
    return std::make_unique<ListNode>(std::move(items));
}
NodePtr make_match(NodePtr subject, std::unique_ptr<re2::RE2> regex, bool negate) {
    return std::make_unique<MatchNode>(std::move(subject), std::move(regex), negate);
}
NodePtr make_dynamic_match(NodePtr subject, NodePtr pattern, bool negate) {
    return std::make_unique<DynamicMatchNode>(std::move(subject), std::move(pattern), negate);
}
NodePtr make_call(Function function, std::vector<NodePtr> args) {
    return std::make_unique<CallNode>(function, std::move(args));
}

}  // namespace ev::expr
