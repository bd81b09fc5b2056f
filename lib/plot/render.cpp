#include "plot/render.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <simdjson.h>

#include "core/escape.h"
#include "core/json.h"

namespace ev::plot {

namespace {

Result<RenderSeries> parse_series(simdjson::dom::element element, std::size_t index) {
    simdjson::dom::object object;
    if (element.get_object().get(object) != simdjson::SUCCESS) {
        return make_error(fmt::format("series {}: not an object", index));
    }
    RenderSeries series;
    std::string_view target;
    if (object["target"].get_string().get(target) != simdjson::SUCCESS) {
        return make_error(fmt::format("series {}: no string \"target\"", index));
    }
    series.target = target;
    simdjson::dom::array points;
    if (object["datapoints"].get_array().get(points) != simdjson::SUCCESS) {
        return make_error(fmt::format("series {} ({}): no \"datapoints\" array", index, escape_prefix(target)));
    }
    for (simdjson::dom::element point : points) {
        simdjson::dom::array pair;
        if (point.get_array().get(pair) != simdjson::SUCCESS || pair.size() != 2) {
            return make_error(
                fmt::format("series {} ({}): a datapoint is not a [value, time] pair", index, escape_prefix(target)));
        }
        RenderPoint out;
        auto time = json_number(pair.at(1).value_unsafe());
        if (!time) {
            return make_error(
                fmt::format("series {} ({}): a datapoint's time is not a number", index, escape_prefix(target)));
        }
        out.time = *time;
        simdjson::dom::element value = pair.at(0).value_unsafe();
        if (!value.is_null()) {
            out.value = json_number(value);
            if (!out.value) {
                return make_error(fmt::format("series {} ({}): a datapoint's value is neither a number nor null", index,
                                              escape_prefix(target)));
            }
        }
        series.points.push_back(out);
    }
    return series;
}

std::string percent_encode(std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                     c == '_' || c == '.' || c == '~';
        plain ? out += static_cast<char>(c) : out += fmt::format("%{:02X}", c);
    }
    return out;
}

struct Body {
    std::string text;
    std::size_t max_bytes = 0;
    bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* body = static_cast<Body*>(user);
    std::size_t bytes = size * count;
    if (body->text.size() + bytes > body->max_bytes) {
        body->too_large = true;
        return 0;  // makes curl fail the transfer
    }
    body->text.append(data, bytes);
    return bytes;
}

}  // namespace

Result<std::vector<RenderSeries>> parse_render_json(std::string_view text) {
    simdjson::dom::parser parser;
    simdjson::padded_string padded(text);
    simdjson::dom::element root;
    if (auto error = parser.parse(padded).get(root); error != simdjson::SUCCESS) {
        return make_error(fmt::format("not JSON: {}", simdjson::error_message(error)));
    }
    simdjson::dom::array array;
    if (root.get_array().get(array) != simdjson::SUCCESS) {
        return make_error("not a JSON array of series");
    }
    std::vector<RenderSeries> out;
    std::size_t index = 0;
    for (simdjson::dom::element element : array) {
        auto series = parse_series(element, ++index);
        if (!series) {
            return std::move(series).take_error();
        }
        out.push_back(std::move(series).value());
    }
    return out;
}

std::string render_url(const RenderRequest& request) {
    std::string url = request.base_url;
    while (!url.empty() && url.back() == '/') {
        url.pop_back();
    }
    url += "/render?";
    for (const std::string& target : request.targets) {
        url += "target=" + percent_encode(target) + "&";
    }
    url += "format=json&from=" + percent_encode(request.from) + "&until=" + percent_encode(request.until);
    return url;
}

Result<std::vector<RenderSeries>> fetch_render(const RenderRequest& request) {
    static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    if (!initialised) {
        return make_error("libcurl: initialisation failed");
    }
    std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) {
        return make_error("libcurl: no handle");
    }
    std::string url = render_url(request);
    Body body;
    body.max_bytes = request.max_bytes;
    char error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout_seconds * 1000));
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl.get(), CURLOPT_USERAGENT, "evplot (evkit)");
    CURLcode code = curl_easy_perform(curl.get());
    if (body.too_large) {
        return make_error(fmt::format("{}: response larger than {} bytes", url, request.max_bytes));
    }
    if (code != CURLE_OK) {
        return make_error(fmt::format("{}: {}", url, error[0] != '\0' ? error : curl_easy_strerror(code)));
    }
    long status = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
        return make_error(fmt::format("{}: HTTP status {}", url, status));
    }
    auto series = parse_render_json(body.text);
    if (!series) {
        return make_error(fmt::format("{}: bad render response: {}", url, series.error()));
    }
    return series;
}

}  // namespace ev::plot
