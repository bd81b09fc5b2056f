#include "rpc/report.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "core/duration.h"
#include "core/escape.h"

namespace ev::rpc {

namespace {

std::string number_text(double d) {
    std::string out;
    write_number(std::round(d * 1000) / 1000, out);
    return out;
}

// A data value as one escaped terminal word: strings as they are, anything
// else as its JSON.
std::string value_text(const Json& value) {
    return escape_text(value.is_string() ? value.as_string() : to_canonical(value));
}

std::string host_of(const Outcome& o) {
    return o.target.host.empty() ? o.target.agent_id : o.target.host;
}

}  // namespace

State state_of(const Reply& reply) {
    if (reply.status == "ok") {
        if (const Json* s = reply.data.find("state"); s != nullptr && s->is_string()) {
            if (auto st = parse_state(s->as_string())) {
                return *st;
            }
        }
        return State::ok;
    }
    return reply.status == "failed" ? State::critical : State::unknown;
}

Json reply_json(const Reply& reply, double rtt_ms) {
    Json j = Json::object();
    j.set("request", Json(reply.request));
    j.set("agent_id", Json(reply.agent_id));
    j.set("status", Json(reply.status));
    j.set("code", Json(reply.code));
    j.set("elapsed_ms", Json(reply.elapsed_ms));
    j.set("rtt_ms", Json(std::round(rtt_ms * 1000) / 1000));
    return j;
}

void append_outcome_event(const Outcome& outcome, const std::string& name, const std::string& request_id,
                          double timeout, double now, IdGenerator& ids, std::string& out) {
    Json event = Json::object();
    event.set("id", Json(ids.next()));
    event.set("type", Json("status"));
    event.set("subject", Json(host_of(outcome)));
    event.set("name", Json(name));
    event.set("source", Json("evrpc"));
    if (outcome.reply) {
        const Reply& r = *outcome.reply;
        event.set("time", Json(r.time));
        event.set("state", Json(state_name(state_of(r))));
        event.set("message", Json(r.message));
        event.set("data", r.data);
        event.set("rpc", reply_json(r, outcome.rtt_ms));
    } else {
        event.set("time", Json(now));
        event.set("state", Json("unknown"));
        std::string why =
            !outcome.problem.empty() ? outcome.problem : fmt::format("no reply within {}", format_duration(timeout));
        event.set("message", Json(why));
        Json rpc = Json::object();
        rpc.set("request", Json(request_id));
        if (!outcome.target.agent_id.empty()) {
            rpc.set("agent_id", Json(outcome.target.agent_id));
        }
        rpc.set("status", Json("no reply"));
        event.set("data", Json::object());
        event.set("rpc", std::move(rpc));
    }
    write_canonical(event, out);
}

std::string format_aggregations(const std::vector<OutputSpec>& outputs, const std::vector<Outcome>& outcomes) {
    std::string out;
    for (const OutputSpec& spec : outputs) {
        if (spec.aggregate == OutputSpec::Aggregate::none) {
            continue;
        }
        std::map<std::string, std::size_t> counts;
        double sum = 0, lo = 0, hi = 0;
        std::size_t n = 0;
        for (const Outcome& o : outcomes) {
            if (!o.reply || o.reply->status != "ok") {
                continue;
            }
            const Json* v = o.reply->data.find(spec.name);
            if (v == nullptr) {
                continue;
            }
            if (spec.aggregate == OutputSpec::Aggregate::summary) {
                ++counts[value_text(*v)];
                ++n;
            } else if (v->is_number()) {
                double d = v->as_number();
                lo = n == 0 ? d : std::min(lo, d);
                hi = n == 0 ? d : std::max(hi, d);
                sum += d;
                ++n;
            }
        }
        std::string label = escape_text(spec.name);
        if (n == 0) {
            out += fmt::format("{}: no values\n", label);
        } else if (spec.aggregate == OutputSpec::Aggregate::summary) {
            out += fmt::format("Summary of {}:\n", label);
            // Most frequent first, then by value.
            std::vector<std::pair<std::string, std::size_t>> rows(counts.begin(), counts.end());
            std::stable_sort(rows.begin(), rows.end(),
                             [](const auto& a, const auto& b) { return a.second > b.second; });
            std::size_t width = 0;
            for (const auto& [value, count] : rows) {
                width = std::max(width, value.size());
            }
            for (const auto& [value, count] : rows) {
                out += fmt::format("   {:>{}} = {}\n", value, width, count);
            }
        } else if (spec.aggregate == OutputSpec::Aggregate::average) {
            out += fmt::format("{}: average {} (min {}, max {}, {} replies)\n", label,
                               number_text(sum / static_cast<double>(n)), number_text(lo), number_text(hi), n);
        } else {
            out += fmt::format("{}: sum {} ({} replies)\n", label, number_text(sum), n);
        }
    }
    return out;
}

std::string format_histogram(const std::vector<Outcome>& outcomes) {
    std::vector<double> times;
    for (const Outcome& o : outcomes) {
        if (o.reply) {
            times.push_back(o.rtt_ms);
        }
    }
    if (times.empty()) {
        return {};
    }
    auto [lo_it, hi_it] = std::minmax_element(times.begin(), times.end());
    double lo = std::floor(*lo_it), hi = std::ceil(*hi_it);
    constexpr int k_bins = 10;
    double width = std::max(1.0, std::ceil((hi - lo + 1) / k_bins));
    std::vector<std::size_t> bins(k_bins, 0);
    for (double t : times) {
        bins[std::min<std::size_t>(k_bins - 1, static_cast<std::size_t>((t - lo) / width))] += 1;
    }
    std::size_t most = *std::max_element(bins.begin(), bins.end());
    std::string out = "Response times (ms):\n";
    for (int i = 0; i < k_bins; ++i) {
        double from = lo + width * i;
        std::size_t bar = most == 0 ? 0 : (bins[i] * 40 + most - 1) / most;
        std::string hashes(bar, '#');
        out +=
            fmt::format("  {:>7} - {:<7} |{:<40}| {}\n", number_text(from), number_text(from + width), hashes, bins[i]);
    }
    return out;
}

std::string progress_line(std::size_t answered, std::size_t total, std::size_t width) {
    std::size_t filled = total == 0 ? width : std::min(width, answered * width / total);
    std::string bar(filled, '=');
    if (filled < width) {
        bar += '>';
        bar.append(width - filled - 1, ' ');
    }
    return fmt::format("\r * [ {} ] {} / {}", bar, answered, total);
}

std::string format_summary(const Summary& s) {
    std::string out;
    std::size_t answered = 0;
    std::vector<const Outcome*> missing;
    for (const Outcome& o : s.outcomes) {
        if (!o.reply) {
            missing.push_back(&o);
            continue;
        }
        ++answered;
        const Reply& r = *o.reply;
        bool ok = r.status == "ok" && state_of(r) == State::ok;
        if (s.display == Display::all || (s.display == Display::ok) == ok) {
            out += fmt::format("{}: {}{}{}\n", escape_text(host_of(o)), escape_text(r.status),
                               r.code != 0 ? fmt::format(" (code {})", r.code) : std::string(),
                               r.message.empty() ? std::string() : ": " + escape_text(r.message));
            if (r.data.is_object()) {
                for (const auto& [key, value] : r.data.members()) {
                    out += fmt::format("    {}: {}\n", escape_text(key), value_text(value));
                }
            }
        }
    }
    if (!out.empty()) {
        out += '\n';
    }
    std::string aggregations = format_aggregations(s.outputs, s.outcomes);
    if (!aggregations.empty()) {
        out += aggregations;
        out += '\n';
    }
    if (s.graph) {
        std::string graph = format_histogram(s.outcomes);
        if (!graph.empty()) {
            out += graph;
            out += '\n';
        }
    }
    out += fmt::format("Finished processing {} / {} hosts in {} ms\n", answered, s.outcomes.size(),
                       static_cast<long long>(std::llround(s.elapsed_ms)));
    if (!missing.empty()) {
        out += "No response from:\n";
        for (const Outcome* o : missing) {
            out += fmt::format("   {}{}\n", escape_text(host_of(*o)),
                               o->problem.empty() ? std::string() : " (" + escape_text(o->problem) + ")");
        }
    }
    if (s.interrupted) {
        out += fmt::format("Interrupted: {} hosts were not called\n", s.not_called);
    }
    return out;
}

}  // namespace ev::rpc
