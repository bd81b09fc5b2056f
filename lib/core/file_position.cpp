#include "core/file_position.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/id.h"
#include "core/json.h"

namespace ev {

namespace {

// The hash of the first len bytes of fd; nothing when fewer could be read.
std::optional<uint64_t> head_hash(int fd, uint64_t len) {
    char buf[k_fingerprint_bytes];
    uint64_t got = 0;
    while (got < len) {
        ssize_t n = ::pread(fd, buf + got, len - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return std::nullopt;
        }
        got += static_cast<uint64_t>(n);
    }
    return id_hash64(std::string_view(buf, len));
}

// A non-negative integer member, or nothing.
std::optional<uint64_t> unsigned_member(const Json& object, std::string_view key) {
    const Json* v = object.find(key);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (v->kind() == Json::Kind::unsigned_integer) {
        return v->as_unsigned();
    }
    if (v->kind() == Json::Kind::integer && v->as_integer() >= 0) {
        return static_cast<uint64_t>(v->as_integer());
    }
    return std::nullopt;
}

}  // namespace

Result<FilePosition> identify_file(int fd, std::string_view path) {
    struct stat st;
    if (::fstat(fd, &st) != 0) {
        return make_error(fmt::format("{}: {}", path, std::strerror(errno)));
    }
    if (!S_ISREG(st.st_mode)) {
        return make_error(fmt::format("{}: not a regular file (no position to resume from)", path));
    }
    FilePosition p;
    p.path = std::string(path);
    p.dev = static_cast<uint64_t>(st.st_dev);
    p.ino = static_cast<uint64_t>(st.st_ino);
    p.head_len = std::min<uint64_t>(static_cast<uint64_t>(st.st_size), k_fingerprint_bytes);
    auto hash = head_hash(fd, p.head_len);
    if (!hash) {
        return make_error(fmt::format("{}: cannot read its first bytes", path));
    }
    p.head_hash = *hash;
    return p;
}

bool same_file(int fd, const FilePosition& saved) {
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_dev) != saved.dev ||
        static_cast<uint64_t>(st.st_ino) != saved.ino || static_cast<uint64_t>(st.st_size) < saved.offset ||
        saved.head_len > k_fingerprint_bytes) {
        return false;
    }
    auto hash = head_hash(fd, saved.head_len);
    return hash && *hash == saved.head_hash;
}

void encode_file_positions(const std::vector<FilePosition>& positions, std::string& out) {
    Json array = Json::array();
    for (const FilePosition& p : positions) {
        Json o = Json::object();
        o.set("kind", "file");
        o.set("path", p.path);
        o.set("dev", p.dev);
        o.set("ino", p.ino);
        o.set("head_len", p.head_len);
        o.set("head_hash", fmt::format("{:016x}", p.head_hash));
        o.set("offset", p.offset);
        array.push_back(std::move(o));
    }
    write_canonical(array, out);
}

Result<std::vector<FilePosition>> decode_file_positions(std::string_view json) {
    auto parsed = parse_json(json);
    if (!parsed) {
        return std::move(parsed).take_error();
    }
    if (!parsed->is_array()) {
        return make_error("positions: not an array");
    }
    std::vector<FilePosition> out;
    std::size_t index = 0;
    for (const Json& item : parsed->items()) {
        ++index;
        const Json* kind = item.is_object() ? item.find("kind") : nullptr;
        if (kind == nullptr || !kind->is_string()) {
            return make_error(fmt::format("positions[{}]: no \"kind\"", index - 1));
        }
        if (kind->as_string() != "file") {
            continue;
        }
        FilePosition p;
        const Json* path = item.find("path");
        const Json* hash = item.find("head_hash");
        auto dev = unsigned_member(item, "dev");
        auto ino = unsigned_member(item, "ino");
        auto head_len = unsigned_member(item, "head_len");
        auto offset = unsigned_member(item, "offset");
        if (path == nullptr || !path->is_string() || hash == nullptr || !hash->is_string() ||
            hash->as_string().size() != 16 || !dev || !ino || !head_len || *head_len > k_fingerprint_bytes || !offset ||
            *offset > static_cast<uint64_t>(INT64_MAX)) {
            return make_error(fmt::format("positions[{}]: a bad file position", index - 1));
        }
        const std::string& hex = hash->as_string();
        char* end = nullptr;
        errno = 0;
        p.head_hash = std::strtoull(hex.c_str(), &end, 16);
        if (errno != 0 || end != hex.c_str() + hex.size() ||
            hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
            return make_error(fmt::format("positions[{}]: a bad head_hash", index - 1));
        }
        p.path = path->as_string();
        p.dev = *dev;
        p.ino = *ino;
        p.head_len = *head_len;
        p.offset = *offset;
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace ev
