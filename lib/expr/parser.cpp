#include "expr/parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/json.h"
#include "expr/lexer.h"

namespace ev::expr {

namespace {

using AstPtr = std::unique_ptr<Ast>;

// Recursive descent over the precedence levels, lowest first:
// or, and, not, comparison, additive, multiplicative, unary minus, primary.
class Parser {
public:
    explicit Parser(std::string_view source) : m_source(source), m_lexer(source) {}

    Result<AstPtr> parse_all() {
        if (auto r = advance(); !r) {
            return std::move(r).take_error();
        }
        auto ast = parse_or();
        if (!ast) {
            return ast;
        }
        if (m_token.kind != TokenKind::end) {
            return error(fmt::format("expected an operator but found {}", token_name(m_token)));
        }
        return ast;
    }

private:
    Result<void> advance() {
        auto next = m_lexer.next();
        if (!next) {
            return std::move(next).take_error();
        }
        m_token = std::move(next).value();
        return {};
    }

    Error error(std::string_view what) const { return syntax_error(m_source, m_token.offset, what); }
    Error error_at(std::size_t offset, std::string_view what) const { return syntax_error(m_source, offset, what); }

    Result<AstPtr> node(AstKind kind, std::size_t offset, std::vector<AstPtr> children = {}) const {
        auto ast = std::make_unique<Ast>();
        ast->kind = kind;
        ast->offset = offset;
        for (const AstPtr& child : children) {
            ast->depth = std::max(ast->depth, child->depth + 1);
        }
        if (ast->depth > k_max_depth) {
            return error_at(offset, "expression nested too deeply");
        }
        ast->children = std::move(children);
        return ast;
    }

    Result<AstPtr> operator_node(AstKind kind, AstOp op, std::size_t offset, std::vector<AstPtr> children) const {
        auto ast = node(kind, offset, std::move(children));
        if (ast) {
            (*ast)->op = op;
        }
        return ast;
    }

    // Guards the recursion of nested parentheses, lists and prefix operators.
    bool enter() { return ++m_nesting <= k_max_nesting; }

    Result<AstPtr> parse_or() {
        auto left = parse_and();
        while (left && (m_token.kind == TokenKind::or_or || m_token.kind == TokenKind::kw_or)) {
            std::size_t at = m_token.offset;
            if (auto r = advance(); !r) {
                return std::move(r).take_error();
            }
            auto right = parse_and();
            if (!right) {
                return right;
            }
            std::vector<AstPtr> children;
            children.push_back(std::move(left).value());
            children.push_back(std::move(right).value());
            left = operator_node(AstKind::binary, AstOp::or_, at, std::move(children));
        }
        return left;
    }

    Result<AstPtr> parse_and() {
        auto left = parse_not();
        while (left && (m_token.kind == TokenKind::and_and || m_token.kind == TokenKind::kw_and)) {
            std::size_t at = m_token.offset;
            if (auto r = advance(); !r) {
                return std::move(r).take_error();
            }
            auto right = parse_not();
            if (!right) {
                return right;
            }
            std::vector<AstPtr> children;
            children.push_back(std::move(left).value());
            children.push_back(std::move(right).value());
            left = operator_node(AstKind::binary, AstOp::and_, at, std::move(children));
        }
        return left;
    }

    Result<AstPtr> parse_not() {
        if (m_token.kind != TokenKind::bang && m_token.kind != TokenKind::kw_not) {
            return parse_comparison();
        }
        std::size_t at = m_token.offset;
        if (!enter()) {
            return error("expression nested too deeply");
        }
        if (auto r = advance(); !r) {
            return std::move(r).take_error();
        }
        auto operand = parse_not();
        --m_nesting;
        if (!operand) {
            return operand;
        }
        std::vector<AstPtr> children;
        children.push_back(std::move(operand).value());
        return operator_node(AstKind::unary, AstOp::not_, at, std::move(children));
    }

    static bool comparison_op(TokenKind kind, AstOp& op) {
        switch (kind) {
            case TokenKind::eq:
                op = AstOp::eq;
                return true;
            case TokenKind::ne:
                op = AstOp::ne;
                return true;
            case TokenKind::lt:
                op = AstOp::lt;
                return true;
            case TokenKind::le:
                op = AstOp::le;
                return true;
            case TokenKind::gt:
                op = AstOp::gt;
                return true;
            case TokenKind::ge:
                op = AstOp::ge;
                return true;
            case TokenKind::match:
                op = AstOp::match;
                return true;
            case TokenKind::not_match:
                op = AstOp::not_match;
                return true;
            case TokenKind::kw_in:
                op = AstOp::in;
                return true;
            default:
                return false;
        }
    }

    Result<AstPtr> parse_comparison() {
        auto left = parse_additive();
        AstOp op{};
        if (!left || !comparison_op(m_token.kind, op)) {
            return left;
        }
        std::size_t at = m_token.offset;
        if (auto r = advance(); !r) {
            return std::move(r).take_error();
        }
        auto right = parse_additive();
        if (!right) {
            return right;
        }
        AstOp again{};
        if (comparison_op(m_token.kind, again)) {
            return error("comparisons do not chain; use parentheses or &&");
        }
        std::vector<AstPtr> children;
        children.push_back(std::move(left).value());
        children.push_back(std::move(right).value());
        return operator_node(AstKind::binary, op, at, std::move(children));
    }

    // One left-associative level of binary operators: operands come from
    // next, and op_of says whether a token is one of this level's operators.
    template <class Next, class OpOf>
    Result<AstPtr> parse_left_assoc(Next next, OpOf op_of) {
        auto left = (this->*next)();
        AstOp op{};
        while (left && op_of(m_token.kind, op)) {
            std::size_t at = m_token.offset;
            if (auto r = advance(); !r) {
                return std::move(r).take_error();
            }
            auto right = (this->*next)();
            if (!right) {
                return right;
            }
            std::vector<AstPtr> children;
            children.push_back(std::move(left).value());
            children.push_back(std::move(right).value());
            left = operator_node(AstKind::binary, op, at, std::move(children));
        }
        return left;
    }

    Result<AstPtr> parse_additive() {
        return parse_left_assoc(&Parser::parse_multiplicative, [](TokenKind kind, AstOp& op) {
            op = kind == TokenKind::plus ? AstOp::add : AstOp::sub;
            return kind == TokenKind::plus || kind == TokenKind::minus;
        });
    }

    Result<AstPtr> parse_multiplicative() {
        return parse_left_assoc(&Parser::parse_unary, [](TokenKind kind, AstOp& op) {
            op = kind == TokenKind::star ? AstOp::mul : AstOp::div;
            return kind == TokenKind::star || kind == TokenKind::slash;
        });
    }

    Result<AstPtr> parse_unary() {
        if (m_token.kind != TokenKind::minus) {
            return parse_primary();
        }
        std::size_t at = m_token.offset;
        if (!enter()) {
            return error("expression nested too deeply");
        }
        if (auto r = advance(); !r) {
            return std::move(r).take_error();
        }
        auto operand = parse_unary();
        --m_nesting;
        if (!operand) {
            return operand;
        }
        std::vector<AstPtr> children;
        children.push_back(std::move(operand).value());
        return operator_node(AstKind::unary, AstOp::negate, at, std::move(children));
    }

    // Parses items up to the closing token; the opening token has been consumed.
    Result<std::vector<AstPtr>> parse_items(TokenKind close, std::string_view expected) {
        std::vector<AstPtr> items;
        if (!enter()) {
            return error("expression nested too deeply");
        }
        if (m_token.kind != close) {
            while (true) {
                auto item = parse_or();
                if (!item) {
                    return std::move(item).take_error();
                }
                items.push_back(std::move(item).value());
                if (m_token.kind == TokenKind::comma) {
                    if (auto r = advance(); !r) {
                        return std::move(r).take_error();
                    }
                    continue;
                }
                if (m_token.kind != close) {
                    return error(fmt::format("expected {} but found {}", expected, token_name(m_token)));
                }
                break;
            }
        }
        --m_nesting;
        if (auto r = advance(); !r) {
            return std::move(r).take_error();
        }
        return items;
    }

    Result<AstPtr> parse_primary() {
        Token token = m_token;
        switch (token.kind) {
            case TokenKind::kw_null:
            case TokenKind::kw_true:
            case TokenKind::kw_false:
            case TokenKind::number:
            case TokenKind::string:
            case TokenKind::regex: {
                AstKind kind = token.kind == TokenKind::kw_null  ? AstKind::null_literal
                               : token.kind == TokenKind::number ? AstKind::number
                               : token.kind == TokenKind::string ? AstKind::string
                               : token.kind == TokenKind::regex  ? AstKind::regex
                                                                 : AstKind::bool_literal;
                auto ast = node(kind, token.offset);
                (*ast)->boolean = token.kind == TokenKind::kw_true;
                (*ast)->number = token.number;
                (*ast)->text = std::move(token.text);
                (*ast)->icase = token.icase;
                if (auto r = advance(); !r) {
                    return std::move(r).take_error();
                }
                return ast;
            }
            case TokenKind::lparen: {
                if (!enter()) {
                    return error("expression nested too deeply");
                }
                if (auto r = advance(); !r) {
                    return std::move(r).take_error();
                }
                auto inner = parse_or();
                if (!inner) {
                    return inner;
                }
                if (m_token.kind != TokenKind::rparen) {
                    return error(fmt::format("expected ')' but found {}", token_name(m_token)));
                }
                --m_nesting;
                if (auto r = advance(); !r) {
                    return std::move(r).take_error();
                }
                return inner;
            }
            case TokenKind::lbracket: {
                if (auto r = advance(); !r) {
                    return std::move(r).take_error();
                }
                auto items = parse_items(TokenKind::rbracket, "',' or ']'");
                if (!items) {
                    return std::move(items).take_error();
                }
                return node(AstKind::list, token.offset, std::move(items).value());
            }
            case TokenKind::identifier:
                return parse_path_or_call();
            case TokenKind::end:
                return error("expected an operand");
            default:
                return error(fmt::format("expected an operand but found {}", token_name(m_token)));
        }
    }

    Result<AstPtr> parse_path_or_call() {
        Token name = m_token;
        if (auto r = advance(); !r) {
            return std::move(r).take_error();
        }
        if (m_token.kind == TokenKind::lparen) {
            if (auto r = advance(); !r) {
                return std::move(r).take_error();
            }
            auto args = parse_items(TokenKind::rparen, "',' or ')'");
            if (!args) {
                return std::move(args).take_error();
            }
            auto ast = node(AstKind::call, name.offset, std::move(args).value());
            if (ast) {
                (*ast)->text = std::move(name.text);
            }
            return ast;
        }
        std::vector<PathStep> steps;
        steps.push_back({PathStep::Kind::key, std::move(name.text), 0});
        while (m_token.kind == TokenKind::dot || m_token.kind == TokenKind::lbracket) {
            bool dot = m_token.kind == TokenKind::dot;
            if (auto r = advance(); !r) {
                return std::move(r).take_error();
            }
            if (dot) {
                if (m_token.kind != TokenKind::identifier) {
                    return error(fmt::format("expected a field name after '.' but found {}", token_name(m_token)));
                }
                steps.push_back({PathStep::Kind::key, std::move(m_token.text), 0});
            } else if (m_token.kind == TokenKind::string) {
                steps.push_back({PathStep::Kind::key, std::move(m_token.text), 0});
            } else if (m_token.kind == TokenKind::number) {
                double n = m_token.number;
                if (n != std::floor(n) || n < 0 || n > 1e12) {
                    return error("an index must be a non-negative integer");
                }
                steps.push_back({PathStep::Kind::index, {}, static_cast<std::size_t>(n)});
            } else {
                return error(fmt::format("expected an index or a quoted key but found {}", token_name(m_token)));
            }
            if (auto r = advance(); !r) {
                return std::move(r).take_error();
            }
            if (!dot) {
                if (m_token.kind != TokenKind::rbracket) {
                    return error(fmt::format("expected ']' but found {}", token_name(m_token)));
                }
                if (auto r = advance(); !r) {
                    return std::move(r).take_error();
                }
            }
        }
        auto ast = node(AstKind::path, name.offset);
        (*ast)->path = Path(std::move(steps));
        return ast;
    }

    std::string_view m_source;
    Lexer m_lexer;
    Token m_token;
    std::size_t m_nesting = 0;
};

void sexpr_to(const Ast& ast, std::string& out) {
    switch (ast.kind) {
        case AstKind::null_literal:
            out += "null";
            return;
        case AstKind::bool_literal:
            out += ast.boolean ? "true" : "false";
            return;
        case AstKind::number:
            write_number(ast.number, out);
            return;
        case AstKind::string:
            json_escape_to(ast.text, out);
            return;
        case AstKind::regex:
            out += '/';
            out += ast.text;
            out += '/';
            if (ast.icase) {
                out += 'i';
            }
            return;
        case AstKind::path:
            out += ast.path.to_string();
            return;
        case AstKind::list:
            out += "(list";
            break;
        case AstKind::call:
            out += "(call ";
            out += ast.text;
            break;
        case AstKind::unary:
        case AstKind::binary:
            out += '(';
            out += op_name(ast.op);
            break;
    }
    for (const auto& child : ast.children) {
        out += ' ';
        sexpr_to(*child, out);
    }
    out += ')';
}

}  // namespace

Result<std::unique_ptr<Ast>> parse(std::string_view source) {
    return Parser(source).parse_all();
}

std::string to_sexpr(const Ast& ast) {
    std::string out;
    sexpr_to(ast, out);
    return out;
}

std::string_view op_name(AstOp op) {
    switch (op) {
        case AstOp::or_:
            return "||";
        case AstOp::and_:
            return "&&";
        case AstOp::not_:
            return "!";
        case AstOp::negate:
            return "-";
        case AstOp::eq:
            return "==";
        case AstOp::ne:
            return "!=";
        case AstOp::lt:
            return "<";
        case AstOp::le:
            return "<=";
        case AstOp::gt:
            return ">";
        case AstOp::ge:
            return ">=";
        case AstOp::match:
            return "=~";
        case AstOp::not_match:
            return "!~";
        case AstOp::in:
            return "in";
        case AstOp::add:
            return "+";
        case AstOp::sub:
            return "-";
        case AstOp::mul:
            return "*";
        case AstOp::div:
            return "/";
    }
    return "?";
}

}  // namespace ev::expr
