// XML text from any bytes: what SVG, Atom and HTML outputs write of event data.
#pragma once

#include <string>
#include <string_view>

namespace ev {

/// Appends text for XML 1.0 character data or an attribute value: & < > " '
/// as entities; a character XML 1.0 forbids even as a reference (C0 controls
/// but tab, LF and CR; U+FFFE, U+FFFF) and any byte that is not valid UTF-8
/// become U+FFFD, since no escape could carry them.
void append_xml_escaped(std::string_view text, std::string& out);

/// A copy of text escaped as append_xml_escaped does.
std::string xml_escape(std::string_view text);

}  // namespace ev
