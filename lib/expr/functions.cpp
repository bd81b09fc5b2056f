// The built-in functions: lower, upper, len, starts_with, ... (see docs/expressions.md).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "expr/evaluator.h"

namespace ev::expr {

namespace {

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

NodePtr make_call(Function function, std::vector<NodePtr> args) {
    return std::make_unique<CallNode>(function, std::move(args));
}

}  // namespace ev::expr
