#include "snmptrap/trap.h"

#include <simdjson.h>

#include "snmptrap/names.h"

namespace ev::snmptrap {

std::string Trap::agent() const {
    const Varbind* address = find(oids::k_snmp_trap_address_0);
    if (address != nullptr && address->type == "ipaddress" && address->value.is_string() &&
        address->value.as_string() != "0.0.0.0") {
        return address->value.as_string();
    }
    return peer;
}

const Varbind* Trap::find(std::string_view oid) const {
    for (const Varbind& v : varbinds) {
        if (v.oid == oid) {
            return &v;
        }
    }
    return nullptr;
}

std::string bytes_value(std::string_view bytes, bool& hex) {
    if (simdjson::validate_utf8(bytes.data(), bytes.size())) {
        hex = false;
        return std::string(bytes);
    }
    static constexpr char k_digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += k_digits[c >> 4];
        out += k_digits[c & 15];
    }
    hex = true;
    return out;
}

}  // namespace ev::snmptrap
