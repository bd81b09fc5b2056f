#include "rpc/known_agents.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/text.h"
#include "rpc/discovery.h"
#include "rpc/facts.h"

namespace ev::rpc {

Result<KnownAgents> KnownAgents::parse(std::string_view text, std::string_view origin) {
    KnownAgents known;
    std::size_t line_no = 0;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        ++line_no;
        while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) {
            line.remove_suffix(1);
        }
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
            line.remove_prefix(1);
        }
        if (line.empty() || line.front() == '#') {
            continue;
        }
        std::size_t space = line.find_first_of(" \t");
        std::string_view host = line.substr(0, space);
        std::string_view fp = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
        while (!fp.empty() && (fp.front() == ' ' || fp.front() == '\t')) {
            fp.remove_prefix(1);
        }
        if (host.empty() || !is_agent_id(fp)) {
            return make_error(fmt::format("{}:{}: expected HOST FINGERPRINT (ed25519:32 hex digits)", origin, line_no));
        }
        known.m_pins[std::string(host)] = std::string(fp);
    }
    return known;
}

Result<KnownAgents> KnownAgents::load(const std::string& path) {
    if (path.empty()) {
        return KnownAgents();
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
        KnownAgents known;
        known.m_path = path;
        return known;
    }
    auto text = read_text_file_at_most(path, 64 * 1024 * 1024);
    if (!text) {
        return std::move(text).take_error();
    }
    auto known = parse(*text, path);
    if (known) {
        known->m_path = path;
    }
    return known;
}

KnownAgents::Verdict KnownAgents::check(const std::string& host, const std::string& fingerprint, bool allow_new) {
    auto it = m_pins.find(host);
    if (it != m_pins.end()) {
        return it->second == fingerprint ? Verdict::known : Verdict::mismatch;
    }
    if (!allow_new) {
        return Verdict::unknown;
    }
    m_pins.emplace(host, fingerprint);
    m_changed = true;
    return Verdict::pinned;
}

const std::string* KnownAgents::pinned(const std::string& host) const {
    auto it = m_pins.find(host);
    return it == m_pins.end() ? nullptr : &it->second;
}

Result<void> KnownAgents::save() {
    if (!m_changed || m_path.empty()) {
        return {};
    }
    // The directory (~/.local/state/evrpc) is made on first use, private.
    for (std::size_t at = m_path.find('/', 1); at != std::string::npos; at = m_path.find('/', at + 1)) {
        std::string dir = m_path.substr(0, at);
        if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
            return make_error(fmt::format("{}: {}", dir, std::strerror(errno)));
        }
    }
    std::string text = "# evrpc known agents: HOST FINGERPRINT (pinned on first reply)\n";
    for (const auto& [host, fp] : m_pins) {
        text += host;
        text += ' ';
        text += fp;
        text += '\n';
    }
    auto written = atomic_write(m_path, text);
    if (written) {
        m_changed = false;
    }
    return written;
}

std::string default_known_agents_path() {
    const char* state = std::getenv("XDG_STATE_HOME");
    if (state != nullptr && state[0] == '/') {
        return std::string(state) + "/evrpc/known_agents";
    }
    const char* home = std::getenv("HOME");
    if (home != nullptr && home[0] == '/') {
        return std::string(home) + "/.local/state/evrpc/known_agents";
    }
    return {};
}

}  // namespace ev::rpc
