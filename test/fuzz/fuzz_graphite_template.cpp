// Fuzzes evgraphite's parsers: the path template (first line of the input),
// rendered against an event (the rest), the datapoint reader, and the
// destination parser. Checks the path invariants: no empty part, no doubled
// dot, only [A-Za-z0-9_:#-] inside parts.
#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "graphite/datapoint.h"
#include "graphite/destination.h"
#include "graphite/ring.h"
#include "graphite/template.h"

namespace {

void check_path(const std::string& path) {
    if (path.empty() || path.front() == '.' || path.back() == '.' || path.find("..") != std::string::npos) {
        std::abort();
    }
    for (char c : path) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':' ||
                  c == '#' || c == '-' || c == '.';
        if (!ok) {
            std::abort();
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::size_t nl = input.find('\n');
    std::string_view first = input.substr(0, nl);
    std::string_view rest = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);

    auto dest = ev::graphite::parse_destination(first);
    if (dest.ok()) {
        (void)ev::graphite::ring_node_key(*dest);
        auto again = ev::graphite::parse_destination(dest->to_string());
        if (!again.ok() || again->host != dest->host || again->port != dest->port ||
            again->instance != dest->instance) {
            std::abort();
        }
    }

    auto tmpl = ev::graphite::PathTemplate::parse(first);
    static simdjson::dom::parser parser;
    simdjson::padded_string json(rest);
    simdjson::dom::element root;
    if (parser.parse(json).get(root) != simdjson::SUCCESS || !root.is_object()) {
        return 0;
    }
    ev::graphite::Datapoint point;
    static const ev::ManualClock clock(1700000000.5);
    ev::graphite::extract_datapoint(root, clock, point);
    std::string line;
    if (point.kind == ev::graphite::Datapoint::Kind::point) {
        ev::graphite::append_line("x", point, line);
        if (line.find('\n') != line.size() - 1) {
            std::abort();
        }
    }
    if (!tmpl.ok()) {
        return 0;
    }
    std::string path;
    for (auto dots : {ev::graphite::SubjectDots::replace, ev::graphite::SubjectDots::reverse}) {
        for (std::string_view prefix : {std::string_view(), std::string_view("..p.é..")}) {
            if (tmpl->render(root, prefix, dots, path).empty()) {
                check_path(path);
                std::vector<int> nodes;
                static const ev::graphite::HashRing ring({{"10.0.0.1", 2003, "a"}, {"10.0.0.2", 2003, ""}});
                ring.nodes_for(path, 2, true, nodes);
                if (nodes.empty() || nodes.size() > 2) {
                    std::abort();
                }
            }
        }
    }
    return 0;
}
