// Traphandle input: the text snmptrapd hands a `traphandle` program on its
// stdin (host name line, transport line, then one "OID VALUE" line per
// varbind in SNMPv2 form), parsed back into a Trap.
//
// snmptrapd prints varbinds without their types (it forces quick print for
// traphandles), so types are inferred: a quoted value is a string, `.1.3...`
// an OID, a dotted quad an IpAddress, `D:H:MM:SS.CC` or a number for
// sysUpTime.0 a TimeTicks, other numbers "integer" when negative and
// "number" otherwise. Run snmptrapd with -On -Ot -Ox: numeric OIDs, raw
// TimeTicks and every string as hex (so no string can be mistaken for hex).
#pragma once

#include <string_view>

#include "core/result.h"
#include "snmptrap/trap.h"

namespace ev::snmptrap {

/// Parses one trap's traphandle text.
Result<Trap> parse_traphandle(std::string_view text);

}  // namespace ev::snmptrap
