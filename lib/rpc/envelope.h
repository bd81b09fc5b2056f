// Envelope: the signed wrapper every evrpc request and reply travels in, and
// the ed25519 keys that sign them (libsodium). One message is one line:
//   {"v":1,"key":"<base64 public key>","sig":"<base64 detached signature>","body":"<body JSON as a string>"}
// The signature covers the exact bytes of the body string (after JSON
// unescaping), so no canonical form of the body is needed to verify it.
// docs/rpc.md describes the format and the threat model.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace ev::rpc {

/// Bytes of an ed25519 public key, secret key, seed and signature.
constexpr std::size_t k_public_key_bytes = 32;
constexpr std::size_t k_secret_key_bytes = 64;
constexpr std::size_t k_seed_bytes = 32;
constexpr std::size_t k_signature_bytes = 64;

/// The longest envelope line accepted (requests and replies alike).
constexpr std::size_t k_max_envelope = 1024 * 1024;

/// An ed25519 key pair, raw bytes.
struct KeyPair {
    std::string pub;     ///< k_public_key_bytes
    std::string secret;  ///< k_secret_key_bytes (libsodium's seed + public key form)
};

/// A fresh key pair from the OS's randomness.
KeyPair generate_key();

/// The key pair whose secret seed is seed (k_seed_bytes); for tests and the
/// benchmark's many identities.
KeyPair key_from_seed(std::string_view seed);

/// Reads a secret key file ("evrpc-ed25519-secret BASE64SEED" on one line).
/// The error names path and what is wrong; a file others can read or write
/// is refused.
Result<KeyPair> load_key(const std::string& path);

/// load_key(path), or when path does not exist a new key written there
/// (mode 0600, atomically) with its public half in path + ".pub".
Result<KeyPair> load_or_create_key(const std::string& path, std::string_view comment);

/// Writes key to path (0600, atomically, never over an existing file) and
/// its public line to path + ".pub".
Result<void> write_key(const std::string& path, const KeyPair& key, std::string_view comment);

/// The public key line of key: "ed25519 BASE64 COMMENT" (the authorized keys format).
std::string public_key_line(const KeyPair& key, std::string_view comment);

/// "ed25519:" + lowercase hex of the 16-byte BLAKE2b hash of pub: the id of
/// an agent and the name of a caller.
std::string fingerprint(std::string_view pub);

/// Standard base64 with padding.
std::string base64(std::string_view bytes);

/// Decodes standard base64 with padding; an error on anything else.
Result<std::string> unbase64(std::string_view text);

/// The envelope line (without newline) that carries body, signed by key.
std::string seal(const KeyPair& key, std::string_view body);

/// What a verified envelope holds.
struct Opened {
    std::string pub;          ///< the signer's public key, raw
    std::string fingerprint;  ///< fingerprint(pub)
    std::string body;         ///< the body's JSON text, exactly as signed
};

/// An envelope parsed but not yet verified: what a reader may look at to
/// decide cheaply that a message is not for it, never to act on.
struct Sealed {
    std::string pub;   ///< raw public key (k_public_key_bytes)
    std::string sig;   ///< raw signature (k_signature_bytes)
    std::string body;  ///< the body text, unverified
};

/// Parses an envelope line without verifying it; the errors are those of
/// open_envelope() but "bad signature".
Result<Sealed> parse_envelope(std::string_view line);

/// Verifies sealed's signature over its body; the error is "bad signature".
Result<Opened> verify_envelope(Sealed sealed);

/// Parses an envelope line and verifies its signature. The error says why a
/// line is refused: not an envelope, an unknown version, a bad key or
/// signature encoding, a signature that does not verify.
Result<Opened> open_envelope(std::string_view line);

}  // namespace ev::rpc
