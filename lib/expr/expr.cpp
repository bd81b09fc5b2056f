#include "expr/expr.h"

#include "expr/compiler.h"
#include "expr/evaluator.h"
#include "expr/parser.h"

namespace ev::expr {

struct Program::Impl {
    std::string source;
    Compiled compiled;
    Context context;
    EvalError error;

    Value run(simdjson::dom::element event, const ReadFields* fields) {
        context.event = event;
        context.fields = fields;
        error.set = false;
        return compiled.root->eval(context);
    }
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
    impl->context.error = &impl->error;
    return Program(std::move(impl));
}

bool Program::test(simdjson::dom::element event) {
    Value v = m_impl->run(event, nullptr);
    return !m_impl->error.set && truthy(v);
}

bool Program::test(simdjson::dom::element event, const ReadFields& fields) {
    Value v = m_impl->run(event, &fields);
    return !m_impl->error.set && truthy(v);
}

bool Program::eval_json(simdjson::dom::element event, std::string& out) {
    Value v = m_impl->run(event, nullptr);
    if (m_impl->error.set) {
        return false;
    }
    write_json(v, out);
    return true;
}

bool Program::eval_raw(simdjson::dom::element event, std::string& out) {
    Value v = m_impl->run(event, nullptr);
    if (m_impl->error.set) {
        return false;
    }
    if (v.kind == Value::Kind::string) {
        out += v.string;
    } else {
        write_json(v, out);
    }
    return true;
}

Json Program::eval(simdjson::dom::element event) {
    Value v = m_impl->run(event, nullptr);
    return m_impl->error.set ? Json() : to_owned_json(v);
}

std::optional<std::string_view> Program::error() const {
    if (!m_impl->error.set) {
        return std::nullopt;
    }
    return std::string_view(m_impl->error.message);
}

void Program::bind_item(const simdjson::dom::element* item) {
    m_impl->context.item = item;
}

const std::vector<Path>& Program::fields() const {
    return m_impl->compiled.fields;
}

const std::string& Program::source() const {
    return m_impl->source;
}

}  // namespace ev::expr
