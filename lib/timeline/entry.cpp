#include "timeline/entry.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "core/id.h"
#include "core/timestamp.h"
#include "core/xml.h"

namespace ev::timeline {

namespace {

// The hashtag filter, the subject filter and the fragment's filter run in
// the page itself; no event data is ever inside the script.
constexpr std::string_view k_style = R"CSS(body{font-family:sans-serif;margin:1.5em;max-width:60em}
h1{font-size:1.3em}nav{margin-bottom:1em}nav a{margin-right:.5em}
ol{list-style:none;padding:0}li.entry{padding:.25em 0;border-bottom:1px solid #ddd}
li.entry[hidden]{display:none}time{color:#666;margin-right:.5em;font-family:monospace}
a.tag{color:#36c;margin-left:.3em;text-decoration:none}a.subject{color:inherit}
#filter-note{color:#666})CSS";

constexpr std::string_view k_script = R"JS(function evFilter() {
  var p = new URLSearchParams(location.hash.slice(1));
  var tag = p.get("tag"), subject = p.get("subject"), shown = 0;
  document.querySelectorAll("li.entry").forEach(function (li) {
    var ok = (!tag || li.dataset.tags.split(" ").indexOf(tag) >= 0) &&
             (!subject || li.dataset.subject === subject);
    li.hidden = !ok;
    if (ok) shown++;
  });
  var note = document.getElementById("filter-note");
  note.textContent = tag || subject ? "showing " + shown + " (" + (tag ? "#" + tag : subject) + ")" : "";
}
window.addEventListener("hashchange", evFilter);
evFilter();)JS";

void append_rfc3339(std::optional<double> time, double fallback, std::string& out) {
    out += format_rfc3339(time.value_or(fallback));
}

double newest(const std::vector<const Entry*>& entries, double fallback) {
    std::optional<double> best;
    for (const Entry* e : entries) {
        if (e->time && (!best || *e->time > *best)) {
            best = e->time;
        }
    }
    return best.value_or(fallback);
}

void append_hashtags_text(const Entry& entry, std::string& out) {
    for (const std::string& tag : entry.hashtags) {
        out += " #";
        out += tag;
    }
}

}  // namespace

void append_percent_encoded(std::string_view text, std::string& out) {
    for (char c : text) {
        bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_' || c == '~';
        if (safe) {
            out += c;
        } else {
            fmt::format_to(std::back_inserter(out), "%{:02X}", static_cast<unsigned char>(c));
        }
    }
}

std::string entry_id(std::string_view event_id, std::string_view line) {
    std::string out;
    if (!event_id.empty()) {
        out = "urn:evkit:event:";
        append_percent_encoded(event_id, out);
    } else {
        out = fmt::format("urn:evkit:line:{:016x}", id_hash64(line));
    }
    return out;
}

std::string short_time(double seconds) {
    std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M", &tm);
    return buffer;
}

std::string text_line(const Entry& entry) {
    std::string out;
    if (entry.time) {
        out = short_time(*entry.time);
        out += ' ';
    }
    out += entry.text;
    append_hashtags_text(entry, out);
    return out;
}

std::string atom_feed(const std::vector<const Entry*>& entries, const FeedInfo& info) {
    std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";
    out += "  <id>";
    append_xml_escaped(info.id, out);
    out += "</id>\n  <title>";
    append_xml_escaped(info.title, out);
    out += "</title>\n  <updated>";
    out += format_rfc3339(newest(entries, info.now));
    out += "</updated>\n  <author><name>evkit</name></author>\n  <generator>evtimeline</generator>\n";
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
        const Entry& e = **it;
        out += "  <entry>\n    <id>";
        append_xml_escaped(e.id, out);
        out += "</id>\n    <title>";
        append_xml_escaped(e.text, out);
        out += "</title>\n    <updated>";
        append_rfc3339(e.time, info.now, out);
        out += "</updated>\n";
        for (const std::string& tag : e.hashtags) {
            out += "    <category term=\"";
            out += tag;  // normalised: [a-z0-9_] only
            out += "\"/>\n";
        }
        out += "    <content type=\"text\">";
        std::string content = e.text;
        append_hashtags_text(e, content);
        append_xml_escaped(content, out);
        out += "</content>\n  </entry>\n";
    }
    out += "</feed>\n";
    return out;
}

std::string html_page(const std::vector<const Entry*>& entries, const FeedInfo& info) {
    std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>";
    append_xml_escaped(info.title, out);
    out += "</title>\n<style>\n";
    out += k_style;
    out += "\n</style>\n</head>\n<body>\n<h1>";
    append_xml_escaped(info.title, out);
    out += "</h1>\n<nav><a href=\"#\">all</a>";
    std::vector<std::string> all_tags;
    for (const Entry* e : entries) {
        for (const std::string& tag : e->hashtags) {
            if (std::find(all_tags.begin(), all_tags.end(), tag) == all_tags.end()) {
                all_tags.push_back(tag);
            }
        }
    }
    std::sort(all_tags.begin(), all_tags.end());
    for (const std::string& tag : all_tags) {
        out += fmt::format("<a class=\"tag\" href=\"#tag={0}\">#{0}</a>", tag);
    }
    out += " <span id=\"filter-note\"></span></nav>\n<ol id=\"entries\">\n";
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
        const Entry& e = **it;
        out += "<li class=\"entry\" id=\"";
        append_xml_escaped(e.id, out);
        out += "\" data-tags=\"";
        for (std::size_t i = 0; i < e.hashtags.size(); ++i) {
            out += i ? " " : "";
            out += e.hashtags[i];
        }
        out += "\" data-subject=\"";
        append_xml_escaped(e.subject, out);
        out += "\">";
        if (e.time) {
            out += "<time datetime=\"" + format_rfc3339(*e.time) + "\">" + short_time(*e.time) + "</time>";
        }
        out += "<span class=\"text\">";
        append_xml_escaped(e.text, out);
        out += "</span>";
        if (!e.subject.empty()) {
            out += " <a class=\"subject\" href=\"#subject=";
            append_percent_encoded(e.subject, out);
            out += "\">";
            append_xml_escaped(e.subject, out);
            out += "</a>";
        }
        for (const std::string& tag : e.hashtags) {
            out += fmt::format(" <a class=\"tag\" href=\"#tag={0}\">#{0}</a>", tag);
        }
        out += "</li>\n";
    }
    out += "</ol>\n<script>\n";
    out += k_script;
    out += "\n</script>\n</body>\n</html>\n";
    return out;
}

}  // namespace ev::timeline
