// Counters: what evsrc-snmptrap counts, printed on SIGUSR1 and at exit and
// made into metric events with --stats-interval.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/stats.h"

namespace ev::snmptrap {

/// Every counter the receiver keeps.
struct Counters {
    uint64_t received = 0;           ///< datagrams read
    uint64_t emitted = 0;            ///< events queued for output
    uint64_t written = 0;            ///< events written (flushed) by the output
    uint64_t informs = 0;            ///< informs acknowledged (first copies)
    uint64_t duplicates = 0;         ///< retransmitted informs acknowledged again, not emitted
    uint64_t malformed = 0;          ///< packets that are not SNMP, or broken
    uint64_t unsupported = 0;        ///< SNMPv3 and unknown versions
    uint64_t not_traps = 0;          ///< well-formed PDUs that are not notifications
    uint64_t community_refused = 0;  ///< communities not given with --community
    uint64_t rate_limited = 0;       ///< traps over --max-rate
    uint64_t dropped = 0;            ///< events the full output queue had no room for
    uint64_t responses_failed = 0;   ///< Responses the kernel would not send
};

/// The counters as (name, value), kernel_dropped included.
std::vector<std::pair<std::string, uint64_t>> counter_values(const Counters& c, uint64_t kernel_dropped);

/// Registers every counter (kernel_dropped read through its function) with
/// the suite's one counter mechanism, under the names of counter_values.
void register_counters(Stats& stats, const Counters& c, std::function<uint64_t()> kernel_dropped);

/// "received N, emitted N, ..." for stderr.
std::string counters_text(const Counters& c, uint64_t kernel_dropped);

}  // namespace ev::snmptrap
