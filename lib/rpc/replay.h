// ReplayCache: the request ids an agent has seen within the longest TTL,
// kept on disk, so a request is never acted on twice: not when it is sent
// again, and not when the agent restarts and reads the TTL window back.
// The file holds "ID EXPIRES" lines; each new id is appended and synced
// before the request runs, and the file is rewritten without the expired
// ids at start and whenever they outnumber the live ones.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"

namespace ev::rpc {

/// Seen request ids, each until it expires.
class ReplayCache {
public:
    /// Loads path (created when missing; empty: memory only), dropping ids
    /// expired at now. Torn or malformed lines (a crash while appending) are
    /// skipped.
    static Result<ReplayCache> open(const std::string& path, double now);

    ReplayCache() = default;
    ReplayCache(ReplayCache&&) noexcept;
    ReplayCache& operator=(ReplayCache&&) noexcept;
    ~ReplayCache();

    /// True when id was added and has not expired.
    bool seen(std::string_view id, double now) const;

    /// Records id until expires; durable on disk before it returns.
    Result<void> add(std::string_view id, double expires, double now);

    /// Ids held (expired ones included until the next rewrite).
    std::size_t size() const { return m_ids.size(); }

private:
    Result<void> rewrite(double now);

    std::string m_path;
    int m_fd = -1;
    std::unordered_map<std::string, double> m_ids;
    std::size_t m_expired_hint = 0;
};

}  // namespace ev::rpc
