// Fuzzes the plugin output and perfdata parsers (and the perfdata file line
// parser): any bytes must parse without crashing and give valid UTF-8 text
// and events that read back as JSON.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/json.h"
#include "nagios/output.h"
#include "nagios/perffile.h"
#include "nagios/range.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    ev::nagios::RunEnd end;
    end.exit_code = size % 5;
    ev::nagios::Verdict v = ev::nagios::judge(end, bytes, bytes.substr(size / 2), ev::State::critical);
    ev::Json event = ev::Json::object();
    event.set("message", v.message);
    event.set("long", v.output.long_output);
    ev::Json items = ev::Json::array();
    for (const auto& item : v.output.perfdata.items) {
        items.push_back(ev::nagios::perf_item_json(item));
        // Thresholds that were accepted must parse as ranges again.
        if (!item.warn.empty() && !ev::nagios::parse_range(item.warn).ok()) {
            std::abort();
        }
        if (item.label.empty()) {
            std::abort();
        }
    }
    event.set("perfdata", std::move(items));
    std::string encoded = ev::to_canonical(event);
    if (!ev::parse_json(encoded).ok()) {
        std::abort();  // the events we write must be valid JSON
    }
    (void)ev::nagios::parse_perf_line(bytes);
    return 0;
}
