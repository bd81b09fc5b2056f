// Fuzz target for request filters (lib/rpc/filter.h), which every agent
// reads from hostile requests: any bytes parse or fail cleanly; a filter that
// parses re-encodes to one that parses the same; one that compiles tests a
// node without crashing, and the same answer twice.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <simdjson.h>

#include "core/json.h"
#include "rpc/filter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(text).get(root) != simdjson::SUCCESS) {
        (void)ev::rpc::parse_fact_test(text);
        return 0;
    }
    auto filter = ev::rpc::filter_from_json(root);
    if (!filter) {
        return 0;
    }
    std::string once = ev::to_canonical(ev::rpc::filter_to_json(*filter));
    simdjson::dom::parser again_parser;
    auto again = ev::rpc::filter_from_json(again_parser.parse(once));
    if (!again || ev::to_canonical(ev::rpc::filter_to_json(*again)) != once) {
        std::abort();
    }
    auto matcher = ev::rpc::Matcher::compile(*filter);
    if (!matcher) {
        return 0;
    }
    ev::rpc::Node node;
    node.agent_id = "ed25519:00000000000000000000000000000001";
    node.host = "web1.example";
    node.facts = *ev::parse_json(R"({"role":"web","slots":"8","cpus":4,"os":{"family":"debian"}})");
    node.classes = {"base", "role::web"};
    node.agents = {{"rpcutil", {"ping"}}};
    if (matcher->matches(node) != matcher->matches(node)) {
        std::abort();
    }
    return 0;
}
