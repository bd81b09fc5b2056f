// The built-in functions: lower, upper, len, starts_with, ... (see docs/expressions.md).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>

#include "core/escape.h"
#include "core/timestamp.h"
#include "expr/evaluator.h"

namespace ev::expr {

namespace {

class CallNode final : public Node {
public:
    CallNode(Function function, std::vector<NodePtr> args, std::size_t offset)
        : m_function(function), m_args(std::move(args)), m_offset(offset) {}
    Value eval(const Context& ctx) override;

private:
    Value arg(std::size_t i, const Context& ctx) { return m_args[i]->eval(ctx); }
    Value map_case(const Context& ctx, bool upper);
    Value to_number(const Context& ctx);
    Value to_string(const Context& ctx);
    Value extreme(const Context& ctx, bool want_max);
    Value affix(const Context& ctx);
    Value parse_time(const Context& ctx);
    Value format_time(const Context& ctx);

    Function m_function;
    std::vector<NodePtr> m_args;
    std::size_t m_offset;
    std::string m_scratch;
    std::string m_format;
};

// Alertmanager's (Go's) zero time, 0001-01-01T00:00:00Z: "not set".
constexpr double k_zero_time = -62135596800.0;
// format_time covers the years 1..9999, as RFC 3339 does.
constexpr double k_last_time = 253402300799.0;

Value CallNode::parse_time(const Context& ctx) {
    Value v = arg(0, ctx);
    if (v.kind == Value::Kind::null) {
        return v;
    }
    if (v.kind != Value::Kind::string) {
        return type_error(ctx, m_offset, fmt::format("parse_time() takes a string, not {}", type_name(v)));
    }
    // RFC 3339 only: a bare number is not a time here (number() reads one).
    std::string_view text = v.string;
    if (text.size() > 4 && text[4] == '-') {
        if (auto seconds = parse_timestamp(text)) {
            return *seconds == k_zero_time ? Value::null() : Value::of_number(*seconds);
        }
    }
    return type_error(ctx, m_offset,
                      fmt::format("parse_time(): '{}' is not an RFC 3339 time", escape_prefix(text, 40)));
}

Value CallNode::format_time(const Context& ctx) {
    Value t = arg(0, ctx);
    Value format = arg(1, ctx);
    if (t.kind == Value::Kind::null) {
        return t;
    }
    if (t.kind != Value::Kind::number || format.kind != Value::Kind::string) {
        return type_error(
            ctx, m_offset,
            fmt::format("format_time() takes a number and a string, not {} and {}", type_name(t), type_name(format)));
    }
    if (!(t.number >= k_zero_time && t.number < k_last_time + 1)) {
        return type_error(ctx, m_offset, "format_time(): the time is outside the years 1..9999");
    }
    if (format.string.find('\0') != std::string_view::npos) {
        return type_error(ctx, m_offset, "format_time(): the format holds a NUL byte");
    }
    m_format.assign(format.string);
    std::time_t seconds = static_cast<std::time_t>(std::floor(t.number));
    std::tm tm{};
    if (gmtime_r(&seconds, &tm) == nullptr) {
        return type_error(ctx, m_offset, "format_time(): the time cannot be represented");
    }
    // strftime returns 0 both for an empty result and for a buffer too
    // small: grow to a bound, then take the result as empty.
    std::size_t size = 64 + 4 * m_format.size();
    for (;;) {
        m_scratch.resize(size);
        std::size_t n = std::strftime(m_scratch.data(), m_scratch.size(), m_format.c_str(), &tm);
        if (n > 0 || size >= 4096) {
            m_scratch.resize(n);
            break;
        }
        size *= 4;
    }
    return Value::of_string(m_scratch);
}

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
        case Function::if_:
            // Only the branch taken is evaluated, so the other cannot fail.
            return truthy(arg(0, ctx)) ? arg(1, ctx) : arg(2, ctx);
        case Function::parse_time:
            return parse_time(ctx);
        case Function::format_time:
            return format_time(ctx);
    }
    return Value::null();
}

}  // namespace

NodePtr make_call(Function function, std::vector<NodePtr> args, std::size_t offset) {
    return std::make_unique<CallNode>(function, std::move(args), offset);
}

}  // namespace ev::expr
