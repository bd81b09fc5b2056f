// The practical limit for evfilter's select on this machine: simdjson's
// iterate_many over the whole file, reading the two fields and writing the
// matching lines verbatim. No validation of untouched fields, no bad-line
// handling: a floor to compare against, not a tool.
#include <re2/re2.h>
#include <simdjson.h>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: refscan FILE\n");
        return 2;
    }
    simdjson::padded_string data = simdjson::padded_string::load(argv[1]).value();
    simdjson::ondemand::parser parser;
    simdjson::ondemand::document_stream docs = parser.iterate_many(data).value();
    RE2 re("blackbox");
    std::string out;
    for (auto it = docs.begin(); it != docs.end(); ++it) {
        auto doc = *it;
        std::string_view raw = it.source();  // before the document is consumed
        simdjson::ondemand::object obj;
        if (doc.get_object().get(obj) != simdjson::SUCCESS) {
            continue;
        }
        std::string_view subject;
        int64_t severity = 0;
        if (obj["subject"].get_string().get(subject) != simdjson::SUCCESS || !RE2::PartialMatch(subject, re)) {
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
        if (out.size() > (1 << 20)) {
            std::fwrite(out.data(), 1, out.size(), stdout);
            out.clear();
        }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}
