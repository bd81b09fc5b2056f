#include "expr/evaluator.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <cstring>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>

namespace ev::expr {

namespace dom = simdjson::dom;

// ---------------------------------------------------------------------------
// Operators

namespace {

Value number_or_null(double d) {
    // inf and nan cannot be written as JSON; overflow and 0/0 give null like division by zero.
    return std::isfinite(d) ? Value::of_number(d) : Value::null();
}

bool is_arithmetic(BinaryOp op) {
    return op == BinaryOp::add || op == BinaryOp::sub || op == BinaryOp::mul || op == BinaryOp::div;
}

std::string_view arithmetic_name(BinaryOp op) {
    switch (op) {
        case BinaryOp::add:
            return "+";
        case BinaryOp::sub:
            return "-";
        case BinaryOp::mul:
            return "*";
        default:
            return "/";
    }
}

}  // namespace

Value type_error(const Context& ctx, std::size_t offset, std::string_view what) {
    if (ctx.error != nullptr && !ctx.error->set) {
        ctx.error->set = true;
        ctx.error->offset = offset;
        ctx.error->message = fmt::format("type error at offset {}: {}", offset, what);
    }
    return Value::null();
}

bool arithmetic_type_error(BinaryOp op, const Value& left, const Value& right) {
    if (op == BinaryOp::add && left.kind == Value::Kind::string && right.kind == Value::Kind::string) {
        return false;
    }
    auto bad = [](const Value& v) { return v.kind != Value::Kind::number && v.kind != Value::Kind::null; };
    return bad(left) || bad(right);
}

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

// A path whose first key is a read field (subject, severity...) starts
// from ReadFields when the context has them, rather than walking the
// event's members again; the rest of the path is looked up from there.
// Read fields appear at most once, so this finds what a walk would.
// `state` and `severity` imply each other (docs/events.md): an event that
// lacks one reads the value the other implies.
class FieldPath {
public:
    explicit FieldPath(Path path) : m_path(std::move(path)) {
        const auto& steps = m_path.steps();
        if (steps.empty() || steps[0].kind != PathStep::Kind::key) {
            return;
        }
        if (steps[0].key == "item") {
            m_item = true;
            m_rest = Path(std::vector<PathStep>(steps.begin() + 1, steps.end()));
            return;
        }
        for (int i = 0; i < k_field_count; ++i) {
            if (field_key(static_cast<Field>(i)) == steps[0].key) {
                m_field = static_cast<Field>(i);
                m_rest = Path(std::vector<PathStep>(steps.begin() + 1, steps.end()));
                break;
            }
        }
    }

    /// The value at the path; present is false when the field is missing.
    Value value(const Context& ctx, bool& present) const {
        std::optional<dom::element> found;
        if (m_item && ctx.item != nullptr) {
            // The bound element shadows a top-level field named item.
            found = m_rest.empty() ? std::optional<dom::element>(*ctx.item) : m_rest.lookup(*ctx.item);
        } else if (!m_field) {
            found = m_path.lookup(ctx.event);
        } else if (auto first = read_field(ctx, *m_field)) {
            found = m_rest.empty() ? first : m_rest.lookup(*first);
        } else if (m_rest.empty()) {
            return implied(ctx, present);
        }
        present = found.has_value();
        return found ? Value::of_element(*found) : Value::null();
    }

private:
    static std::optional<dom::element> read_field(const Context& ctx, Field field) {
        if (ctx.fields != nullptr) {
            return ctx.fields->get(field);
        }
        dom::element e;
        if (ctx.event.at_key(field_key(field)).get(e) != simdjson::SUCCESS) {
            return std::nullopt;
        }
        return e;
    }

    Value implied(const Context& ctx, bool& present) const {
        present = false;
        if (m_field == Field::state) {
            auto severity = read_field(ctx, Field::severity);
            if (auto s = severity ? state_of_severity_field(*severity) : std::nullopt) {
                present = true;
                return Value::of_string(state_name(*s));
            }
        } else if (m_field == Field::severity) {
            auto state = read_field(ctx, Field::state);
            if (auto s = state ? state_of_state_field(*state) : std::nullopt) {
                present = true;
                return Value::of_number(severity_of(*s));
            }
        }
        return Value::null();
    }

    Path m_path;
    std::optional<Field> m_field;
    bool m_item = false;  // the path starts with item, which --each may bind
    Path m_rest;
};

class PathNode final : public Node {
public:
    explicit PathNode(Path path) : m_path(std::move(path)) {}
    Value eval(const Context& ctx) override {
        bool present = false;
        return m_path.value(ctx, present);
    }

private:
    FieldPath m_path;
};

class ExistsNode final : public Node {
public:
    explicit ExistsNode(Path path) : m_path(std::move(path)) {}
    Value eval(const Context& ctx) override {
        bool present = false;
        (void)m_path.value(ctx, present);
        return Value::of_bool(present);
    }

private:
    FieldPath m_path;
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
    NegateNode(NodePtr operand, std::size_t offset) : m_operand(std::move(operand)), m_offset(offset) {}
    Value eval(const Context& ctx) override {
        Value v = m_operand->eval(ctx);
        if (v.kind == Value::Kind::number) {
            return Value::of_number(-v.number);
        }
        if (v.kind == Value::Kind::null) {
            return v;
        }
        return type_error(ctx, m_offset, fmt::format("-{} (- takes a number)", type_name(v)));
    }

private:
    NodePtr m_operand;
    std::size_t m_offset;
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
    BinaryNode(BinaryOp op, NodePtr left, NodePtr right, std::size_t offset)
        : m_op(op), m_left(std::move(left)), m_right(std::move(right)), m_offset(offset) {}
    Value eval(const Context& ctx) override {
        Value left = m_left->eval(ctx);
        Value right = m_right->eval(ctx);
        if (is_arithmetic(m_op)) {
            if (arithmetic_type_error(m_op, left, right)) {
                return type_error(ctx, m_offset,
                                  fmt::format("{} {} {} ({})", type_name(left), arithmetic_name(m_op), type_name(right),
                                              m_op == BinaryOp::add ? "+ takes two numbers or two strings"
                                                                    : "arithmetic takes numbers"));
            }
            if (left.kind == Value::Kind::string) {
                // Both are strings: concatenated into the node's own buffer,
                // reused from event to event.
                m_scratch.assign(left.string);
                m_scratch.append(right.string);
                return Value::of_string(m_scratch);
            }
        }
        return apply_binary(m_op, left, right);
    }

private:
    BinaryOp m_op;
    NodePtr m_left;
    NodePtr m_right;
    std::size_t m_offset;
    std::string m_scratch;
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
        // search, several times faster than running the automaton.
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
            // string_view::find (memchr for the first byte, then a compare)
            // sets nothing up per call; glibc's memmem builds a shift table
            // each time, which costs more than the search on short subjects.
            matched = v.string.find(m_regex->pattern()) != std::string_view::npos;
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
NodePtr make_negate(NodePtr operand, std::size_t offset) {
    return std::make_unique<NegateNode>(std::move(operand), offset);
}
NodePtr make_and(NodePtr left, NodePtr right) {
    return std::make_unique<AndNode>(std::move(left), std::move(right));
}
NodePtr make_or(NodePtr left, NodePtr right) {
    return std::make_unique<OrNode>(std::move(left), std::move(right));
}
NodePtr make_binary(BinaryOp op, NodePtr left, NodePtr right, std::size_t offset) {
    return std::make_unique<BinaryNode>(op, std::move(left), std::move(right), offset);
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

}  // namespace ev::expr