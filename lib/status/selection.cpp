#include "status/selection.h"

#include <optional>

#include <simdjson.h>

#include "core/state.h"
#include "core/writer.h"
#include "expr/expr.h"

namespace ev::status {

Json row_of(const SavedIdentity& id) {
    Json row = Json::object();
    const IdentityState& s = id.state;
    row.set("time", Json(s.seen));
    row.set("subject", Json(id.subject));
    row.set("name", Json(id.name));
    row.set("state", Json(state_name(s.state)));
    row.set("severity", Json(severity_of(s.state)));
    if (s.ttl > 0) {
        row.set("ttl", Json(s.ttl));
    }
    row.set("since", Json(s.since));
    if (s.deadline > 0) {
        row.set("deadline", Json(s.deadline));
    }
    row.set("soft", Json(static_cast<int>(s.soft)));
    row.set("flapping", Json(s.flapping()));
    row.set("expired", Json(s.expired()));
    // Canonical JSON from the state file (checked when it was loaded).
    if (!id.message.empty()) {
        if (auto message = parse_json(id.message)) {
            row.set("message", std::move(message).value());
        }
    }
    if (!id.tags.empty()) {
        if (auto tags = parse_json(id.tags)) {
            row.set("tags", std::move(tags).value());
        }
    }
    return row;
}

Result<std::vector<Selected>> select(const Snapshot& snapshot, const std::string& expression) {
    std::optional<expr::Program> program;
    if (!expression.empty()) {
        auto compiled = expr::Program::compile(expression);
        if (!compiled) {
            return std::move(compiled).take_error();
        }
        program.emplace(std::move(compiled).value());
    }
    std::vector<Selected> out;
    simdjson::dom::parser parser;
    for (const SavedIdentity& id : snapshot.identities) {
        Selected selected{&id, to_canonical(row_of(id))};
        if (program) {
            simdjson::padded_string padded(selected.row);
            simdjson::dom::element root;
            if (parser.parse(padded).get(root) != simdjson::SUCCESS || !program->test(root)) {
                continue;
            }
        }
        out.push_back(std::move(selected));
    }
    return out;
}

void write_all(int fd, const std::string& text) {
    Writer out(fd);
    out.buffer() = text;
    (void)out.flush();
}

}  // namespace ev::status
