// evtimeline's templates: which short human line an event becomes, chosen by
// its name, state and type, with the hashtags the line carries.
#pragma once

#include <simdjson.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "batch/template.h"
#include "core/result.h"
#include "expr/expr.h"

namespace ev::timeline {

/// One template: the conditions an event must meet and the line it gives.
struct Template {
    std::string name;                     ///< the event's name must equal it (empty: any)
    std::string state;                    ///< the event's state must equal it (empty: any)
    std::string type;                     ///< the event's type must equal it (empty: any)
    std::shared_ptr<expr::Program> when;  ///< an expression that must be true (none: always)
    batch::ArgTemplate text;              ///< the line, {PATH} placeholders filled from the event
    std::vector<std::string> tags;        ///< hashtags added to the line (normalised)
    bool skip = false;                    ///< the event gives no line at all
};

/// The longest a field's text may be in a line (bytes); longer is cut with "…".
constexpr std::size_t k_max_field_bytes = 160;

/// The templates in the order they are tried: the file's first, then the built-in defaults.
class Templates {
public:
    /// Only the built-in defaults.
    static Templates builtin();

    /// Parses a templates file (NDJSON, one template per line, '#' comments),
    /// its templates tried before the defaults; errors read "NAME:LINE: why".
    static Result<Templates> parse(std::string_view text, std::string_view name);

    /// Renders event with the first template that matches and whose fields
    /// all exist; the template used is returned through used (nullptr when
    /// the event gives no line: a skip template, or a metric no template names).
    /// Returns false when no line is made.
    bool render(simdjson::dom::element event, std::string& line, const Template*& used);

    const std::vector<Template>& all() const { return m_templates; }

private:
    std::vector<Template> m_templates;
};

/// A hashtag's normalised form: ASCII letters lowercased, digits and '_'
/// kept, every other run of bytes one '_', trimmed of '_' at both ends, at
/// most 40 bytes; empty when nothing is left.
std::string normalise_hashtag(std::string_view text);

/// Appends text for a human line: control characters (C0, DEL, C1), line and
/// paragraph separators and bidi controls become a space, invalid UTF-8
/// U+FFFD, and text longer than max_bytes is cut before a character and ends
/// with "…". No value can start a new line or move the cursor.
void append_plain(std::string_view text, std::string& out, std::size_t max_bytes = k_max_field_bytes);

}  // namespace ev::timeline
