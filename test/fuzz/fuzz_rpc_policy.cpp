// Fuzzes evrpc's authorized keys and policy files (lib/rpc/policy.cpp): the
// input is an authorized keys file, a line "---", then a policy file; a
// parsed policy then decides for every caller on a sample node.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rpc/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::size_t cut = input.find("\n---\n");
    std::string_view keys = input.substr(0, cut);
    std::string_view rules = cut == std::string_view::npos ? std::string_view() : input.substr(cut + 5);
    auto policy = ev::rpc::Policy::parse(keys, "keys", rules, "policy");
    if (!policy) {
        if (policy.error().empty()) {
            std::abort();
        }
        return 0;
    }
    ev::rpc::Node node;
    node.host = "node1.example";
    node.facts.set("role", ev::Json("web"));
    node.facts.set("cpus", ev::Json(4));
    std::size_t n = 0;
    while (n < keys.size()) {
        std::size_t nl = keys.find('\n', n);
        std::string_view line = keys.substr(n, nl == std::string_view::npos ? std::string_view::npos : nl - n);
        n = nl == std::string_view::npos ? keys.size() : nl + 1;
        auto caller = ev::rpc::parse_key_line(line);
        if (!caller) {
            continue;
        }
        const ev::rpc::AuthorizedCaller* known = policy->caller(caller->fingerprint);
        if (known == nullptr) {
            std::abort();  // every key line that parses is an authorized caller
        }
        for (const char* action : {"ping", "inventory", "run"}) {
            auto d = policy->decide(*known, "rpcutil", action, node);
            if (d.reason.empty()) {
                std::abort();
            }
        }
    }
    return 0;
}
