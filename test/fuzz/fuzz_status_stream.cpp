// Fuzzes evstatus's state machine end to end: arbitrary NDJSON lines go
// through read_event, the engine on event time (expiry included) and the
// alert encoder; then the table is saved and must load back. Nothing may
// crash, and every alert must be valid JSON.
#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/json.h"
#include "status/alert.h"
#include "status/engine.h"
#include "status/event.h"
#include "status/state_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    ev::status::Config config;
    // The first byte varies the rules so every branch gets input.
    if (size > 0) {
        config.confirm = 1 + (data[0] & 3);
        config.alert_on = (data[0] & 4) ? ev::status::AlertOn::transitions : ev::status::AlertOn::all;
        config.default_ttl = (data[0] & 8) ? 5 : 0;
    }
    ev::status::Engine engine(config);
    simdjson::dom::parser parser;
    std::string out, scratch;
    double now = 0;
    auto check_alert = [&]() {
        auto parsed = ev::parse_json(out);
        if (!parsed || !parsed->is_object()) {
            std::abort();
        }
        out.clear();
    };
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        simdjson::padded_string line(text.substr(pos, end - pos));
        pos = end + 1;
        simdjson::dom::element root;
        if (parser.parse(line).get(root) != simdjson::SUCCESS || !root.is_object()) {
            continue;
        }
        ev::status::StatusEvent event;
        std::string reason;
        ev::status::EventKind kind = ev::status::read_event(root, event, reason);
        if (event.time && *event.time > now) {
            now = *event.time;
        }
        while (auto d = engine.expire_next(now)) {
            ev::status::write_alert(*d, nullptr, out, scratch);
            check_alert();
        }
        if (kind != ev::status::EventKind::status) {
            continue;
        }
        if (auto d = engine.apply(event, now)) {
            ev::status::write_alert(*d, &event, out, scratch);
            check_alert();
        }
    }
    std::string saved;
    ev::status::encode_state(engine.table(), ev::ClockKind::event, now, saved);
    auto loaded = ev::status::decode_state(saved);
    if (!loaded || loaded->identities.size() != engine.table().size()) {
        std::abort();
    }
    return 0;
}
