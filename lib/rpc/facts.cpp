#include "rpc/facts.h"

#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "core/escape.h"
#include "core/text.h"

namespace ev::rpc {

namespace {

// KEY="value" lines of /etc/os-release.
std::string os_release_value(std::string_view text, std::string_view key) {
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        if (line.substr(0, key.size()) == key && line.size() > key.size() && line[key.size()] == '=') {
            std::string_view v = line.substr(key.size() + 1);
            if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
                v = v.substr(1, v.size() - 2);
            }
            return std::string(v);
        }
    }
    return {};
}

int64_t mem_total_bytes() {
    auto text = read_text_file_at_most("/proc/meminfo", 1 << 20);
    if (!text) {
        return 0;
    }
    std::size_t at = text->find("MemTotal:");
    if (at == std::string::npos) {
        return 0;
    }
    return std::strtoll(text->c_str() + at + 9, nullptr, 10) * 1024;
}

}  // namespace

Json builtin_facts(std::string_view host) {
    Json facts = Json::object();
    char name[256] = {};
    ::gethostname(name, sizeof name - 1);
    facts.set("hostname", Json(std::string_view(name).substr(0, std::string_view(name).find('.'))));
    facts.set("fqdn", Json(host));
    auto release = read_text_file_at_most("/etc/os-release", 1 << 20);
    if (release) {
        facts.set("os", Json(os_release_value(*release, "ID")));
        facts.set("os_version", Json(os_release_value(*release, "VERSION_ID")));
    }
    struct utsname u {};
    if (::uname(&u) == 0) {
        facts.set("kernel", Json(std::string_view(u.sysname)));
        facts.set("kernel_release", Json(std::string_view(u.release)));
        facts.set("arch", Json(std::string_view(u.machine)));
    }
    facts.set("cpus", Json(static_cast<int64_t>(::sysconf(_SC_NPROCESSORS_ONLN))));
    facts.set("memory_bytes", Json(mem_total_bytes()));
    return facts;
}

Result<Json> parse_facts(std::string_view text, std::string_view file) {
    std::string_view body = trim(text);
    while (!body.empty() && (body.front() == '\n' || body.back() == '\n')) {
        body = trim(body.front() == '\n' ? body.substr(1) : body.substr(0, body.size() - 1));
    }
    if (!body.empty() && body.front() == '{') {
        auto json = parse_json(body);
        if (!json) {
            return make_error(fmt::format("{}: {}", file, json.error()));
        }
        return std::move(*json);
    }
    Json facts = Json::object();
    int number = 0;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        ++number;
        if (line.empty() || line.front() == '#') {
            continue;
        }
        std::size_t eq = line.find('=');
        if (eq == std::string_view::npos || trim(line.substr(0, eq)).empty()) {
            return make_error(fmt::format("{}:{}: expected key=value, got {}", file, number, escape_prefix(line)));
        }
        facts.set(trim(line.substr(0, eq)), Json(trim(line.substr(eq + 1))));
    }
    return facts;
}

std::vector<std::string> parse_classes(std::string_view text) {
    std::vector<std::string> classes;
    std::set<std::string, std::less<>> seen;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        if (!line.empty() && seen.insert(std::string(line)).second) {
            classes.emplace_back(line);
        }
    }
    return classes;
}

Json merge_facts(Json facts, const Json& extra) {
    if (extra.is_object()) {
        for (const auto& [k, v] : extra.members()) {
            facts.set(k, v);
        }
    }
    return facts;
}

}  // namespace ev::rpc
