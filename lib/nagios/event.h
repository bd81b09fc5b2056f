// Events made from one plugin run: a status event and a metric event per
// perfdata item.
#pragma once

#include <optional>
#include <string>

#include "core/id.h"
#include "core/json.h"
#include "core/sink.h"
#include "nagios/output.h"

namespace ev::nagios {

/// Identity and labels every event of one check carries.
struct CheckInfo {
    std::string name;            ///< the check's name; metric names are NAME.LABEL
    std::string subject;         ///< host FQDN unless configured
    Json tags = Json::object();  ///< object of strings; omitted when empty
    std::optional<double> ttl;   ///< seconds; omitted when unset
};

/// Everything captured from one run.
struct RunRecord {
    RunEnd end;
    std::string out;         ///< stdout, at most the output limit
    std::string err;         ///< stderr, at most the output limit
    bool truncated = false;  ///< stdout or stderr went past the limit
    double time = 0;         ///< when the run started (epoch seconds)
    double duration = 0;     ///< seconds from start to end
};

/// Writes the status event of a run and, when metrics is true, one metric
/// event per perfdata item that has a value.
void write_run_events(const CheckInfo& check, const Verdict& verdict, const RunRecord& run, bool metrics,
                      IdGenerator& ids, Sink& out);

/// Writes one metric event named CHECK.LABEL for item (nothing for a "U" value).
void write_metric_event(const CheckInfo& check, const PerfItem& item, double time, IdGenerator& ids, Sink& out);

}  // namespace ev::nagios
