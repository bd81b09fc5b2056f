// ArgTemplate: one argv element with {field} placeholders, filled from an
// event as a whole argv element (never split, never seen by a shell).
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/path.h"
#include "core/result.h"

namespace ev::batch {

/// One piece of a template: literal text or a field to substitute.
struct TemplatePart {
    bool is_field = false;
    std::string text;  ///< the literal, or the placeholder's source text
    Path path;         ///< the field, when is_field
};

/// A parsed argv element: "{subject}", "--host={tags.role}", "{{literal}}".
class ArgTemplate {
public:
    /// Parses text: "{PATH}" is a placeholder, "{{" and "}}" are literal braces;
    /// an empty, unclosed or unmatched brace is an error naming its offset.
    static Result<ArgTemplate> parse(std::string_view text);

    /// True when the element has at least one placeholder.
    bool has_fields() const { return m_has_fields; }

    /// True when the element begins with a placeholder, so event data decides
    /// its first byte ("{subject}", not "--host={subject}").
    bool starts_with_field() const { return !m_parts.empty() && m_parts.front().is_field; }

    /// The element as written.
    const std::string& text() const { return m_text; }

    /// The parts in order.
    const std::vector<TemplatePart>& parts() const { return m_parts; }

    /// Appends the element filled from event to out: strings as their bytes,
    /// other values as canonical JSON. Errors for a missing field or a NUL byte.
    Result<void> render(simdjson::dom::element event, std::string& out) const;

private:
    std::string m_text;
    std::vector<TemplatePart> m_parts;
    bool m_has_fields = false;
};

/// A whole command line of templates.
class CommandTemplate {
public:
    /// Parses every argv element; the error names the element. The command
    /// itself (argv[0]) may not hold a placeholder.
    static Result<CommandTemplate> parse(const std::vector<std::string>& argv);

    /// Fills argv (replacing its contents) from event.
    Result<void> render(simdjson::dom::element event, std::vector<std::string>& argv) const;

    /// Checks a rendered argv under the argv rules (core/argv.h): an element
    /// that begins with a placeholder may not begin with '-', or event data
    /// would choose an option. The error names the element.
    Result<void> check_options(const std::vector<std::string>& argv) const;

    /// The number of argv elements.
    std::size_t size() const { return m_args.size(); }

private:
    std::vector<ArgTemplate> m_args;
};

/// Quotes argv for a POSIX shell reader (for --dry-run): plain words stay
/// bare, anything else goes in single quotes.
std::string shell_quote(const std::vector<std::string>& argv);

}  // namespace ev::batch
