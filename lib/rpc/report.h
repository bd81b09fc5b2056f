// Report: what the client prints. Off a terminal (or with --json) one
// status event per reply and per non-responder, so replies chain into the
// next stage; on a terminal a progress bar, the replies --display selects,
// the action's aggregations, a histogram of response times (--graph) and
// "Finished processing N / M hosts in T ms". Every value from a reply is
// escaped before it reaches a terminal (core/escape.h).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/id.h"
#include "core/json.h"
#include "core/state.h"
#include "rpc/call.h"
#include "rpc/schema.h"

namespace ev::rpc {

/// The state a reply stands for: a reply with status ok whose data has a
/// valid "state" (nagios.run) has that state; else ok is ok, failed is
/// critical, refused is unknown (nothing ran).
State state_of(const Reply& reply);

/// What the event's "rpc" member says about the reply: request, agent_id,
/// status, code, elapsed_ms (the agent's) and rtt_ms (the client's round trip).
Json reply_json(const Reply& reply, double rtt_ms);

/// Appends the status event (no newline) for one outcome: subject the
/// node, name AGENT.ACTION, state from the reply (state_of), message the
/// reply's, data the action's answer (so `evfilter 'data.version == "1"'`
/// reads it) and "rpc" the reply's envelope facts (reply_json); a
/// non-responder's state is unknown, its message says why.
void append_outcome_event(const Outcome& outcome, const std::string& name, const std::string& request_id,
                          double timeout, double now, IdGenerator& ids, std::string& out);

/// Which replies the terminal shows.
enum class Display { failed, ok, all };

/// The terminal report's text after every batch has run.
struct Summary {
    std::vector<Outcome> outcomes;  ///< every target's, in call order
    std::string name;               ///< AGENT.ACTION
    double elapsed_ms = 0;          ///< the whole run, discovery included
    Display display = Display::failed;
    bool graph = false;
    std::vector<OutputSpec> outputs;  ///< the action's outputs (aggregations), when its schema is known
    bool interrupted = false;         ///< Ctrl-C stopped further batches
    std::size_t not_called = 0;       ///< targets of batches Ctrl-C skipped
};

/// The terminal report: the displayed replies, the aggregations, the graph,
/// the finished line and the non-responders.
std::string format_summary(const Summary& summary);

/// The aggregation lines of outputs over the replies with status ok.
std::string format_aggregations(const std::vector<OutputSpec>& outputs, const std::vector<Outcome>& outcomes);

/// A histogram of the response times (rtt_ms) of the replies, in ten bins.
std::string format_histogram(const std::vector<Outcome>& outcomes);

/// One progress bar line for a terminal (starts with '\r', no newline).
std::string progress_line(std::size_t answered, std::size_t total, std::size_t width = 40);

}  // namespace ev::rpc
