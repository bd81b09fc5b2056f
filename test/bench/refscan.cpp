// The practical limit for evfilter's select on this machine, streaming as
// evfilter does: read the input in 1 MiB blocks, run simdjson's iterate_many
// over the complete lines of each block, read the two fields and write the
// matching lines verbatim. No validation of untouched fields, no bad-line
// handling: a floor to compare against, not a tool. The literal regex
// /blackbox/ is a substring search here, as evfilter runs it, so the floor
// measures the reading, not a different matcher.
#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::size_t k_block = std::size_t{1} << 20;

void scan(simdjson::ondemand::parser& parser, const char* data, std::size_t len, std::string_view needle,
          std::string& out) {
    simdjson::ondemand::document_stream docs;
    // One batch as large as the lines given (at most 2 MiB): with a smaller
    // batch simdjson starts a stage-1 thread (and a second parser) per call,
    // which makes the floor's time depend on the other core's load.
    if (parser.iterate_many(data, len, 2 * k_block).get(docs) != simdjson::SUCCESS) {
        return;
    }
    for (auto it = docs.begin(); it != docs.end(); ++it) {
        auto doc = *it;
        std::string_view raw = it.source();  // before the document is consumed
        simdjson::ondemand::object obj;
        if (doc.get_object().get(obj) != simdjson::SUCCESS) {
            continue;
        }
        std::string_view subject;
        int64_t severity = 0;
        if (obj["subject"].get_string().get(subject) != simdjson::SUCCESS ||
            subject.find(needle) == std::string_view::npos) {
            continue;
        }
        if (obj["severity"].get_int64().get(severity) != simdjson::SUCCESS || severity < 1) {
            continue;
        }
        while (!raw.empty() && (raw.back() == '\n' || raw.back() == ' ')) {
            raw.remove_suffix(1);
        }
        out.append(raw);
        out += '\n';
    }
}

}  // namespace

int main(int argc, char** argv) {
    int fd = 0;
    if (argc == 2) {
        fd = ::open(argv[1], O_RDONLY);
        if (fd < 0) {
            std::perror(argv[1]);
            return 2;
        }
    } else if (argc != 1) {
        std::fprintf(stderr, "usage: refscan [FILE]\n");
        return 2;
    }
    simdjson::ondemand::parser parser;
    constexpr std::string_view needle = "blackbox";
    std::string out;
    // Room for a block, the tail of the previous one, and simdjson's padding.
    std::vector<char> buf(3 * k_block + simdjson::SIMDJSON_PADDING);
    std::size_t have = 0;
    for (;;) {
        ssize_t n = ::read(fd, buf.data() + have, 2 * k_block - have);
        if (n < 0) {
            std::perror("read");
            return 2;
        }
        have += static_cast<std::size_t>(n);
        std::size_t complete = have;
        if (n > 0) {
            const void* nl = memrchr(buf.data(), '\n', have);
            complete = nl == nullptr ? 0 : static_cast<const char*>(nl) - buf.data() + 1;
        }
        if (complete > 0) {
            scan(parser, buf.data(), complete, needle, out);
            std::memmove(buf.data(), buf.data() + complete, have - complete);
            have -= complete;
        }
        if (out.size() > k_block || n == 0) {
            std::fwrite(out.data(), 1, out.size(), stdout);
            out.clear();
        }
        if (n == 0) {
            return 0;
        }
    }
}
