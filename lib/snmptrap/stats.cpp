#include "snmptrap/stats.h"

#include <fmt/format.h>

namespace ev::snmptrap {

std::vector<std::pair<std::string, uint64_t>> counter_values(const Counters& c, uint64_t kernel_dropped) {
    return {
        {"received", c.received},
        {"emitted", c.emitted},
        {"written", c.written},
        {"informs", c.informs},
        {"duplicates", c.duplicates},
        {"malformed", c.malformed},
        {"unsupported", c.unsupported},
        {"not_traps", c.not_traps},
        {"community_refused", c.community_refused},
        {"rate_limited", c.rate_limited},
        {"dropped", c.dropped},
        {"kernel_dropped", kernel_dropped},
        {"responses_failed", c.responses_failed},
    };
}

void register_counters(Stats& stats, const Counters& c, std::function<uint64_t()> kernel_dropped) {
    stats.add("received", c.received);
    stats.add("emitted", c.emitted);
    stats.add("written", c.written);
    stats.add("informs", c.informs);
    stats.add("duplicates", c.duplicates);
    stats.add("malformed", c.malformed);
    stats.add("unsupported", c.unsupported);
    stats.add("not_traps", c.not_traps);
    stats.add("community_refused", c.community_refused);
    stats.add("rate_limited", c.rate_limited);
    stats.add("dropped", c.dropped);
    stats.add("kernel_dropped", std::move(kernel_dropped));
    stats.add("responses_failed", c.responses_failed);
}

std::string counters_text(const Counters& c, uint64_t kernel_dropped) {
    std::string out;
    for (const auto& [name, value] : counter_values(c, kernel_dropped)) {
        if (!out.empty()) {
            out += ", ";
        }
        out += fmt::format("{} {}", name, value);
    }
    return out;
}

}  // namespace ev::snmptrap
