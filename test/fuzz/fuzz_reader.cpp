// Fuzz target: the line reader, the bad-input policy and the canonical
// encoder. Every accepted line must re-encode to JSON that parses again and
// re-encodes to the same bytes.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/diag.h"
#include "core/input.h"
#include "core/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    int fd = memfd_create("fuzz_reader", MFD_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    if (size > 0 && write(fd, data, size) != static_cast<ssize_t>(size)) {
        close(fd);
        return 0;
    }
    ev::InputOptions options;
    options.files = {"/proc/self/fd/" + std::to_string(fd)};
    options.max_line = 64 + (size % 64);  // small, so over-long lines happen
    options.block = 16 + (size % 200);    // and lines straddle reads
    options.rejects_path = "/dev/null";
    ev::Diagnostics diag("fuzz", [](std::string_view) {});
    ev::Input input(options, diag);
    if (!input.open().ok()) {
        abort();
    }
    ev::Record record;
    simdjson::dom::parser again;
    while (input.next(record) == ev::Input::Next::record) {
        if (record.line.size() > options.max_line) {
            abort();
        }
        std::string first;
        ev::write_canonical(record.root, first);
        auto reparsed = ev::parse_json(first);
        if (!reparsed.ok()) {
            abort();
        }
        if (ev::to_canonical(*reparsed) != first) {
            abort();
        }
    }
    input.finish();
    close(fd);
    return 0;
}
