#include "expr/expr.h"

#include "expr/compiler.h"
#include "expr/evaluator.h"
#include "expr/parser.h"

namespace ev::expr {

struct Program::Impl {
    std::string source;
    Compiled compiled;
    Context context;
};

Program::Program(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Program::Program(Program&&) noexcept = default;
Program& Program::operator=(Program&&) noexcept = default;
Program::~Program() = default;

Result<Program> Program::compile(std::string_view source, const Clock& clock) {
    auto ast = parse(source);
    if (!ast) {
        return std::move(ast).take_error();
    }
    auto compiled = expr::compile(**ast, source, clock);
    if (!compiled) {
        return std::move(compiled).take_error();
    }
    auto impl = std::make_unique<Impl>();
    impl->source = std::string(source);
    impl->compiled = std::move(compiled).value();
    impl->context.clock = &clock;
    return Program(std::move(impl));
}

bool Program::test(simdjson::dom::element event) {
    m_impl->context.event = event;
    m_impl->context.fields = nullptr;
    return truthy(m_impl->compiled.root->eval(m_impl->context));
}

bool Program::test(simdjson::dom::element event, const ReadFields& fields) {
    m_impl->context.event = event;
    m_impl->context.fields = &fields;
    return truthy(m_impl->compiled.root->eval(m_impl->context));
}

void Program::eval_json(simdjson::dom::element event, std::string& out) {
    m_impl->context.event = event;
    m_impl->context.fields = nullptr;
    write_json(m_impl->compiled.root->eval(m_impl->context), out);
}

Json Program::eval(simdjson::dom::element event) {
    m_impl->context.event = event;
    m_impl->context.fields = nullptr;
    return to_owned_json(m_impl->compiled.root->eval(m_impl->context));
}

const std::vector<Path>& Program::fields() const {
    return m_impl->compiled.fields;
}

const std::string& Program::source() const {
    return m_impl->source;
}

}  // namespace ev::expr
