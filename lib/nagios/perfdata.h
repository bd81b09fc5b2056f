// Perfdata: the items after a plugin's '|', as the Monitoring Plugins
// guidelines define them: 'label'=value[UOM];[warn];[crit];[min];[max].
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"

namespace ev::nagios {

/// One performance data item.
struct PerfItem {
    std::string label;            ///< unquoted, '' turned into '
    std::optional<double> value;  ///< nothing for "U" (unknown)
    std::string unit;             ///< as written; empty when none
    std::string warn;             ///< range text; empty when none
    std::string crit;             ///< range text; empty when none
    std::optional<double> min;
    std::optional<double> max;

    bool operator==(const PerfItem&) const = default;
};

/// Most items kept from one perfdata text (a plugin run, a perfdata file
/// line): each costs about a kilobyte in its events, so a long line of tiny
/// items must not cost hundreds of megabytes. Later items are skipped.
constexpr std::size_t k_max_perf_items = 10000;

/// Most problems listed; one more problem says that others were not.
constexpr std::size_t k_max_perf_problems = 100;

/// The items of a perfdata text and the malformed ones that were skipped.
struct Perfdata {
    std::vector<PerfItem> items;
    std::vector<std::string> problems;  ///< "item 'x': reason", one per skipped item
    bool items_cut = false;             ///< items past k_max_perf_items were skipped
};

/// Parses space-separated items; a malformed item is skipped and reported in
/// problems while the items around it are kept. Items past k_max_perf_items
/// and problems past k_max_perf_problems are dropped, each with one problem
/// saying so.
Perfdata parse_perfdata(std::string_view text);

/// Appends to out every item of text (same rules as parse_perfdata).
void parse_perfdata_into(std::string_view text, Perfdata& out);

/// The item as an object {"label","value","unit","warn","crit","min","max"}
/// (absent parts and "U" values are null).
Json perf_item_json(const PerfItem& item);

}  // namespace ev::nagios
