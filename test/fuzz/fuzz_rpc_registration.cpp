// Fuzz target for what the client reads as discovery data: registration
// lines (anyone who can write the topic can write them), host lists and the
// known-agents file. Any bytes parse or fail cleanly; a parsed registration
// has a host and an agent id of the documented form.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rpc/discovery.h"
#include "rpc/known_agents.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    ev::rpc::Registry registry;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        auto node = ev::rpc::parse_registration(line);
        if (node && (node->host.empty() || !ev::rpc::is_agent_id(node->agent_id))) {
            std::abort();
        }
        registry.add(line);
    }
    for (const ev::rpc::Node& n : registry.alive(0)) {
        if (n.host.empty()) {
            std::abort();
        }
    }
    std::string_view all(reinterpret_cast<const char*>(data), size);
    (void)ev::rpc::KnownAgents::parse(all, "fuzz");
    return 0;
}
