#include "core/host_list.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/text.h"

namespace ev {

Result<std::vector<HostListEntry>> parse_host_list(std::string_view text, std::string_view origin) {
    std::vector<HostListEntry> out;
    std::set<std::pair<std::string, std::optional<std::string>>> seen;
    simdjson::dom::parser parser;
    std::size_t line_no = 0;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        ++line_no;
        line = trim(line);
        if (line.empty() || line.front() == '#') {
            continue;
        }
        auto bad = [&](std::string_view why) { return make_error(fmt::format("{}:{}: {}", origin, line_no, why)); };
        if (!simdjson::validate_utf8(line.data(), line.size())) {
            return bad("not valid UTF-8");
        }
        HostListEntry entry;
        if (line.front() == '{') {
            simdjson::dom::object object;
            if (parser.parse(line.data(), line.size()).get_object().get(object) != simdjson::SUCCESS) {
                return bad("not a JSON object");
            }
            std::string_view subject;
            if (object["subject"].get_string().get(subject) != simdjson::SUCCESS || subject.empty()) {
                return bad("an event without a string subject");
            }
            entry.subject = std::string(subject);
            std::string_view name;
            if (object["name"].get_string().get(name) == simdjson::SUCCESS) {
                entry.name = std::string(name);
            }
        } else {
            entry.subject = std::string(line);
        }
        if (seen.emplace(entry.subject, entry.name).second) {
            out.push_back(std::move(entry));
        }
    }
    return out;
}

Result<std::vector<HostListEntry>> read_host_list(const std::string& path) {
    if (path == "-") {
        auto text = read_all_fd(0, "stdin");
        if (!text) {
            return std::move(text).take_error();
        }
        return parse_host_list(*text, "stdin");
    }
    auto text = read_text_file(path);
    if (!text) {
        return std::move(text).take_error();
    }
    return parse_host_list(*text, path);
}

}  // namespace ev
