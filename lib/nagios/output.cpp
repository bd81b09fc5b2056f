#include "nagios/output.h"

#include <fmt/format.h>

#include <vector>

#include "nagios/text.h"

namespace ev::nagios {

namespace {

std::vector<std::string_view> split_lines(std::string_view bytes) {
    std::vector<std::string_view> lines;
    std::size_t begin = 0;
    while (begin < bytes.size()) {
        std::size_t nl = bytes.find('\n', begin);
        if (nl == std::string_view::npos) {
            lines.push_back(bytes.substr(begin));
            break;
        }
        lines.push_back(bytes.substr(begin, nl - begin));
        begin = nl + 1;
    }
    return lines;
}

}  // namespace

PluginOutput parse_output(std::string_view bytes) {
    PluginOutput out;
    std::vector<std::string_view> lines = split_lines(bytes);
    if (lines.empty()) {
        return out;
    }
    std::string perf;
    std::string_view first = lines[0];
    if (std::size_t bar = first.find('|'); bar != std::string_view::npos) {
        out.text = valid_utf8(trim(first.substr(0, bar)));
        perf.append(first.substr(bar + 1));
    } else {
        out.text = valid_utf8(trim(first));
    }
    std::string long_output;
    bool in_perf = false;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        std::string_view line = lines[i];
        if (in_perf) {
            perf += ' ';
            perf.append(line);
            continue;
        }
        std::size_t bar = line.find('|');
        std::string_view before = bar == std::string_view::npos ? line : line.substr(0, bar);
        if (i > 1) {
            long_output += '\n';
        }
        long_output.append(before);
        if (bar != std::string_view::npos) {
            in_perf = true;
            perf += ' ';
            perf.append(line.substr(bar + 1));
        }
    }
    out.long_output = valid_utf8(trim(long_output));
    parse_perfdata_into(perf, out.perfdata);
    return out;
}

Verdict judge(const RunEnd& end, std::string_view out, std::string_view err, State timeout_state) {
    Verdict v;
    v.output = parse_output(out);
    std::string plugin_text = v.output.text;
    if (plugin_text.empty()) {
        std::string_view err_line = trim(err.substr(0, err.find('\n')));
        plugin_text = err_line.empty() ? "(No output returned from plugin)"
                                       : "(No output on stdout) stderr: " + valid_utf8(err_line);
    }
    switch (end.kind) {
        case RunEnd::Kind::exited:
        case RunEnd::Kind::spawn_failed:
            v.exit_code = end.exit_code;
            if (auto state = state_from_severity(end.exit_code)) {
                v.state = *state;
                v.message = plugin_text;
            } else {
                v.state = State::critical;
                const char* hint = end.exit_code == 126   ? " - plugin may not be executable"
                                   : end.exit_code == 127 ? " - plugin may be missing"
                                                          : "";
                v.message = fmt::format("(Return code of {} is out of bounds{})", end.exit_code, hint);
                v.replaced_text = plugin_text;
            }
            break;
        case RunEnd::Kind::signaled:
            v.state = State::critical;
            v.message = "(Service check did not exit properly)";
            v.replaced_text = plugin_text;
            break;
        case RunEnd::Kind::timed_out:
            v.state = timeout_state;
            v.message = fmt::format("(Service check timed out after {:.2f} seconds)", end.timeout);
            if (!v.output.text.empty()) {
                v.replaced_text = v.output.text;
            }
            break;
    }
    return v;
}

}  // namespace ev::nagios
