// Fuzzes evrpc's envelope and request parsing (lib/rpc/envelope.cpp,
// lib/rpc/message.cpp): the input is one message line as an agent reads it
// from the request topic.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rpc/envelope.h"
#include "rpc/message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view line(reinterpret_cast<const char*>(data), size);
    auto sealed = ev::rpc::parse_envelope(line);
    if (!sealed) {
        if (sealed.error().empty()) {
            std::abort();  // every refusal says why
        }
    } else {
        if (sealed->pub.size() != ev::rpc::k_public_key_bytes || sealed->sig.size() != ev::rpc::k_signature_bytes) {
            std::abort();
        }
        (void)ev::rpc::verify_envelope(*sealed);
    }
    // The same bytes as a body: parsing is strict, and what parses encodes
    // to a body that parses to the same request.
    auto request = ev::rpc::parse_request(line);
    if (request) {
        std::string body = ev::rpc::request_body(*request);
        auto again = ev::rpc::parse_request(body);
        if (!again || ev::rpc::request_body(*again) != body) {
            std::abort();
        }
        // Sealing any body and opening it gives the body back.
        static const ev::rpc::KeyPair key = ev::rpc::key_from_seed(std::string(ev::rpc::k_seed_bytes, 'k'));
        auto opened = ev::rpc::open_envelope(ev::rpc::seal(key, body));
        if (!opened || opened->body != body) {
            std::abort();
        }
    }
    auto reply = ev::rpc::parse_reply(line);
    if (reply) {
        std::string body = ev::rpc::reply_body(*reply);
        auto again = ev::rpc::parse_reply(body);
        if (!again || ev::rpc::reply_body(*again) != body) {
            std::abort();
        }
    }
    return 0;
}
