#include "core/text.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace ev {

std::string_view trim(std::string_view text) {
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!text.empty() && blank(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && blank(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

Result<std::string> read_all_fd(int fd, std::string_view what, std::size_t max_bytes) {
    std::string text;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return make_error(fmt::format("{}: {}", what, std::strerror(errno)));
        }
        if (n == 0) {
            return text;
        }
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > max_bytes) {
            return make_error(fmt::format("{}: larger than {} bytes", what, max_bytes));
        }
    }
}

Result<std::string> read_text_file(const std::string& path, bool missing_is_empty) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (missing_is_empty && errno == ENOENT) {
            return std::string();
        }
        return make_error(fmt::format("{}: {}", path, std::strerror(errno)));
    }
    auto text = read_all_fd(fd, path);
    ::close(fd);
    return text;
}

Result<std::string> read_text_file_at_most(const std::string& path, std::size_t max_bytes) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return make_error(fmt::format("{}: {}", path, std::strerror(errno)));
    }
    auto text = read_all_fd(fd, path, max_bytes);
    ::close(fd);
    return text;
}

Result<void> for_each_config_line(std::string_view text, std::string_view name,
                                  const std::function<Result<void>(simdjson::dom::element)>& each) {
    simdjson::dom::parser parser;
    std::size_t number = 0;
    while (!text.empty()) {
        std::size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        ++number;
        std::string_view trimmed = trim(line);
        if (trimmed.empty() || trimmed.front() == '#') {
            continue;
        }
        auto fail = [&](std::string_view why) { return make_error(fmt::format("{}:{}: {}", name, number, why)); };
        simdjson::padded_string padded(trimmed);
        simdjson::dom::element element;
        if (auto error = parser.parse(padded).get(element); error != simdjson::SUCCESS) {
            return fail(fmt::format("not JSON: {}", simdjson::error_message(error)));
        }
        if (auto done = each(element); !done) {
            return fail(done.error());
        }
    }
    return {};
}

}  // namespace ev
