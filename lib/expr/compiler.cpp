#include "expr/compiler.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <limits>
#include <optional>

#include "expr/lexer.h"

namespace ev::expr {

namespace {

constexpr std::size_t k_any = std::numeric_limits<std::size_t>::max();

struct Builtin {
    FunctionInfo info;
    std::optional<Function> function;  // empty for exists(), which the compiler handles itself
    bool pure;
};

const std::vector<Builtin>& builtins() {
    static const std::vector<Builtin> k_builtins = {
        {{"exists", 1, 1}, std::nullopt, false},
        {{"lower", 1, 1}, Function::lower, true},
        {{"upper", 1, 1}, Function::upper, true},
        {{"len", 1, 1}, Function::len, true},
        {{"starts_with", 2, 2}, Function::starts_with, true},
        {{"ends_with", 2, 2}, Function::ends_with, true},
        {{"contains", 2, 2}, Function::contains, true},
        {{"now", 0, 0}, Function::now, false},
        {{"number", 1, 1}, Function::number, true},
        {{"string", 1, 1}, Function::string, true},
        {{"abs", 1, 1}, Function::abs, true},
        {{"floor", 1, 1}, Function::floor, true},
        {{"ceil", 1, 1}, Function::ceil, true},
        {{"round", 1, 1}, Function::round, true},
        {{"min", 1, k_any}, Function::min, true},
        {{"max", 1, k_any}, Function::max, true},
        {{"coalesce", 1, k_any}, Function::coalesce, true},
        {{"type", 1, 1}, Function::type, true},
        {{"if", 3, 3}, Function::if_, true},
        {{"parse_time", 1, 1}, Function::parse_time, true},
        {{"format_time", 2, 2}, Function::format_time, true},
    };
    return k_builtins;
}

std::string arity_text(const FunctionInfo& info) {
    if (info.max_args == k_any) {
        return fmt::format("at least {} argument{}", info.min_args, info.min_args == 1 ? "" : "s");
    }
    return fmt::format("{} argument{}", info.min_args, info.min_args == 1 ? "" : "s");
}

class Compiler {
public:
    Compiler(std::string_view source, const Clock& clock) : m_source(source), m_clock(clock) {}

    Result<NodePtr> compile(const Ast& ast);
    std::vector<Path> take_fields() { return std::move(m_fields); }

private:
    Error error(std::size_t offset, std::string_view first_line) const {
        return make_error(format_error(m_source, offset, first_line));
    }
    void note_field(const Path& path) {
        if (std::find(m_fields.begin(), m_fields.end(), path) == m_fields.end()) {
            m_fields.push_back(path);
        }
    }
    // Replaces a node whose inputs are all constant by its value; a type
    // error found there ("a" + 1) is a compile error.
    Result<NodePtr> fold(NodePtr node) {
        EvalError failed;
        Context ctx;
        ctx.clock = &m_clock;
        ctx.error = &failed;
        Value v = node->eval(ctx);
        if (failed.set) {
            return error(failed.offset, failed.message);
        }
        return make_constant(v);
    }
    Result<std::vector<NodePtr>> compile_all(const std::vector<std::unique_ptr<Ast>>& asts, bool& all_constant);
    Result<NodePtr> compile_match(const Ast& ast);
    Result<NodePtr> compile_call(const Ast& ast);
    Result<std::unique_ptr<re2::RE2>> compile_regex(std::string_view pattern, bool icase, std::size_t offset) const;

    std::string_view m_source;
    const Clock& m_clock;
    std::vector<Path> m_fields;
};

Result<std::vector<NodePtr>> Compiler::compile_all(const std::vector<std::unique_ptr<Ast>>& asts, bool& all_constant) {
    std::vector<NodePtr> nodes;
    all_constant = true;
    for (const auto& child : asts) {
        auto node = compile(*child);
        if (!node) {
            return std::move(node).take_error();
        }
        all_constant = all_constant && (*node)->is_constant();
        nodes.push_back(std::move(node).value());
    }
    return nodes;
}

Result<std::unique_ptr<re2::RE2>> Compiler::compile_regex(std::string_view pattern, bool icase,
                                                          std::size_t offset) const {
    re2::RE2::Options options;
    options.set_log_errors(false);
    options.set_case_sensitive(!icase);
    options.set_never_capture(true);
    auto regex = std::make_unique<re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
    if (!regex->ok()) {
        return error(offset, fmt::format("invalid regex at offset {}: {}", offset, regex->error()));
    }
    return regex;
}

Result<NodePtr> Compiler::compile_match(const Ast& ast) {
    bool negate = ast.op == AstOp::not_match;
    auto subject = compile(*ast.children[0]);
    if (!subject) {
        return subject;
    }
    const Ast& right = *ast.children[1];
    if (right.kind == AstKind::regex) {
        auto regex = compile_regex(right.text, right.icase, right.offset);
        if (!regex) {
            return std::move(regex).take_error();
        }
        bool constant_subject = (*subject)->is_constant();
        NodePtr node = make_match(std::move(subject).value(), std::move(regex).value(), negate);
        return constant_subject ? fold(std::move(node)) : Result<NodePtr>(std::move(node));
    }
    auto pattern = compile(right);
    if (!pattern) {
        return pattern;
    }
    if ((*pattern)->is_constant()) {
        Value p = (*pattern)->eval(Context{});
        if (p.kind != Value::Kind::string) {
            return error(right.offset,
                         fmt::format("type error at offset {}: the right side of {} must be a regex or a string",
                                     right.offset, op_name(ast.op)));
        }
        auto regex = compile_regex(p.string, false, right.offset);
        if (!regex) {
            return std::move(regex).take_error();
        }
        bool constant_subject = (*subject)->is_constant();
        NodePtr node = make_match(std::move(subject).value(), std::move(regex).value(), negate);
        return constant_subject ? fold(std::move(node)) : Result<NodePtr>(std::move(node));
    }
    return make_dynamic_match(std::move(subject).value(), std::move(pattern).value(), negate);
}

Result<NodePtr> Compiler::compile_call(const Ast& ast) {
    const auto& table = builtins();
    auto it = std::find_if(table.begin(), table.end(), [&](const Builtin& b) { return b.info.name == ast.text; });
    if (it == table.end()) {
        return error(ast.offset, fmt::format("unknown function '{}' at offset {}", ast.text, ast.offset));
    }
    std::size_t n = ast.children.size();
    if (n < it->info.min_args || n > it->info.max_args) {
        return error(ast.offset, fmt::format("wrong number of arguments at offset {}: {}() takes {}, got {}",
                                             ast.offset, ast.text, arity_text(it->info), n));
    }
    if (!it->function) {
        const Ast& arg = *ast.children[0];
        if (arg.kind != AstKind::path) {
            return error(arg.offset, fmt::format("syntax error at offset {}: exists() takes a field path", arg.offset));
        }
        note_field(arg.path);
        return make_exists(arg.path);
    }
    bool all_constant = true;
    auto args = compile_all(ast.children, all_constant);
    if (!args) {
        return std::move(args).take_error();
    }
    NodePtr node = make_call(*it->function, std::move(args).value(), ast.offset);
    return all_constant && it->pure ? fold(std::move(node)) : Result<NodePtr>(std::move(node));
}

Result<NodePtr> Compiler::compile(const Ast& ast) {
    switch (ast.kind) {
        case AstKind::null_literal:
            return make_constant(Value::null());
        case AstKind::bool_literal:
            return make_constant(Value::of_bool(ast.boolean));
        case AstKind::number:
            return make_constant(Value::of_number(ast.number));
        case AstKind::string:
            return make_constant(Value::of_string(ast.text));
        case AstKind::regex:
            return error(ast.offset, fmt::format("syntax error at offset {}: a regex literal can only follow =~ or !~",
                                                 ast.offset));
        case AstKind::path:
            note_field(ast.path);
            return make_path(ast.path);
        case AstKind::call:
            return compile_call(ast);
        case AstKind::list: {
            bool all_constant = true;
            auto items = compile_all(ast.children, all_constant);
            if (!items) {
                return std::move(items).take_error();
            }
            NodePtr node = make_list(std::move(items).value());
            return all_constant ? fold(std::move(node)) : Result<NodePtr>(std::move(node));
        }
        case AstKind::unary:
        case AstKind::binary:
            break;
    }
    if (ast.op == AstOp::match || ast.op == AstOp::not_match) {
        return compile_match(ast);
    }
    bool all_constant = true;
    auto operands = compile_all(ast.children, all_constant);
    if (!operands) {
        return std::move(operands).take_error();
    }
    auto& ops = operands.value();
    NodePtr node;
    switch (ast.op) {
        case AstOp::not_:
            node = make_not(std::move(ops[0]));
            break;
        case AstOp::negate:
            node = make_negate(std::move(ops[0]), ast.offset);
            break;
        case AstOp::and_:
            node = make_and(std::move(ops[0]), std::move(ops[1]));
            break;
        case AstOp::or_:
            node = make_or(std::move(ops[0]), std::move(ops[1]));
            break;
        default: {
            static constexpr std::pair<AstOp, BinaryOp> k_binary[] = {
                {AstOp::eq, BinaryOp::eq},   {AstOp::ne, BinaryOp::ne},   {AstOp::lt, BinaryOp::lt},
                {AstOp::le, BinaryOp::le},   {AstOp::gt, BinaryOp::gt},   {AstOp::ge, BinaryOp::ge},
                {AstOp::in, BinaryOp::in},   {AstOp::add, BinaryOp::add}, {AstOp::sub, BinaryOp::sub},
                {AstOp::mul, BinaryOp::mul}, {AstOp::div, BinaryOp::div},
            };
            BinaryOp op = BinaryOp::eq;
            for (const auto& [from, to] : k_binary) {
                if (from == ast.op) {
                    op = to;
                }
            }
            node = make_binary(op, std::move(ops[0]), std::move(ops[1]), ast.offset);
            break;
        }
    }
    return all_constant ? fold(std::move(node)) : Result<NodePtr>(std::move(node));
}

}  // namespace

Result<Compiled> compile(const Ast& ast, std::string_view source, const Clock& clock) {
    Compiler compiler(source, clock);
    auto root = compiler.compile(ast);
    if (!root) {
        return std::move(root).take_error();
    }
    return Compiled{std::move(root).value(), compiler.take_fields()};
}

const std::vector<FunctionInfo>& builtin_functions() {
    static const std::vector<FunctionInfo> k_infos = [] {
        std::vector<FunctionInfo> infos;
        for (const Builtin& b : builtins()) {
            infos.push_back(b.info);
        }
        return infos;
    }();
    return k_infos;
}

}  // namespace ev::expr
