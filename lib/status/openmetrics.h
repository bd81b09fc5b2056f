// `evstatus show --format openmetrics`: the state in the Prometheus text
// exposition format 0.0.4, as node_exporter's textfile collector and
// promtool read it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "status/selection.h"

namespace ev::status {

/// Appends text as a label value of the text format: backslash, double
/// quote and line feed escaped as \\, \" and \n; everything else (UTF-8)
/// as it is.
void append_label_value(std::string_view text, std::string& out);

/// The metric families of the selected identities, each with its # HELP
/// and # TYPE lines and one gauge sample per identity labelled by subject
/// and name, without timestamps: evkit_status_severity,
/// evkit_status_last_seen_seconds, evkit_status_since_seconds,
/// evkit_status_flapping, evkit_status_expired and, when silenced is given
/// (one flag per selected identity), evkit_status_silenced.
std::string format_openmetrics(const std::vector<Selected>& selected, const std::vector<bool>* silenced);

}  // namespace ev::status
