#include "rpc/envelope.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/atomic_file.h"
#include "core/json.h"

namespace ev::rpc {

namespace {

constexpr std::string_view k_secret_tag = "evrpc-ed25519-secret";
constexpr std::size_t k_max_key_file = 4096;

void ensure_sodium() {
    static const bool ready = [] {
        if (sodium_init() < 0) {
            // Without a working libsodium nothing can be signed or verified.
            std::abort();
        }
        return true;
    }();
    (void)ready;
}

const unsigned char* bytes_of(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

Result<std::string> read_small_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        return make_error(fmt::format("{}: {}", path, std::strerror(errno)));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return make_error(fmt::format("{}: not a regular file", path));
    }
    if ((st.st_mode & 077) != 0) {
        ::close(fd);
        return make_error(fmt::format("{}: a secret key must be readable by its owner only (chmod 600)", path));
    }
    std::string text(k_max_key_file, '\0');
    ssize_t n = ::read(fd, text.data(), text.size());
    ::close(fd);
    if (n < 0) {
        return make_error(fmt::format("{}: {}", path, std::strerror(errno)));
    }
    text.resize(static_cast<std::size_t>(n));
    return text;
}

}  // namespace

KeyPair key_from_seed(std::string_view seed) {
    ensure_sodium();
    KeyPair key;
    key.pub.resize(k_public_key_bytes);
    key.secret.resize(k_secret_key_bytes);
    crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(key.pub.data()),
                             reinterpret_cast<unsigned char*>(key.secret.data()), bytes_of(seed));
    return key;
}

KeyPair generate_key() {
    ensure_sodium();
    std::string seed(k_seed_bytes, '\0');
    randombytes_buf(seed.data(), seed.size());
    KeyPair key = key_from_seed(seed);
    sodium_memzero(seed.data(), seed.size());
    return key;
}

std::string base64(std::string_view bytes) {
    ensure_sodium();
    std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), bytes_of(bytes), bytes.size(), sodium_base64_VARIANT_ORIGINAL);
    out.resize(std::strlen(out.c_str()));
    return out;
}

Result<std::string> unbase64(std::string_view text) {
    ensure_sodium();
    std::string out(text.size() / 4 * 3 + 3, '\0');
    std::size_t len = 0;
    const char* end = nullptr;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                          &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != text.data() + text.size()) {
        return make_error("not base64");
    }
    out.resize(len);
    return out;
}

std::string fingerprint(std::string_view pub) {
    ensure_sodium();
    unsigned char hash[16];
    crypto_generichash(hash, sizeof hash, bytes_of(pub), pub.size(), nullptr, 0);
    std::string out = "ed25519:";
    static constexpr char k_hex[] = "0123456789abcdef";
    for (unsigned char c : hash) {
        out += k_hex[c >> 4];
        out += k_hex[c & 15];
    }
    return out;
}

Result<KeyPair> load_key(const std::string& path) {
    auto text = read_small_file(path);
    if (!text) {
        return std::move(text).take_error();
    }
    std::string_view rest(*text);
    while (!rest.empty() && (rest.back() == '\n' || rest.back() == '\r' || rest.back() == ' ')) {
        rest.remove_suffix(1);
    }
    if (rest.substr(0, k_secret_tag.size()) != k_secret_tag || rest.size() <= k_secret_tag.size() ||
        rest[k_secret_tag.size()] != ' ') {
        return make_error(fmt::format("{}: not an evrpc secret key (expected \"{} BASE64\")", path, k_secret_tag));
    }
    auto seed = unbase64(rest.substr(k_secret_tag.size() + 1));
    if (!seed || seed->size() != k_seed_bytes) {
        return make_error(fmt::format("{}: the key is not {} bytes of base64", path, k_seed_bytes));
    }
    KeyPair key = key_from_seed(*seed);
    sodium_memzero(seed->data(), seed->size());
    return key;
}

std::string public_key_line(const KeyPair& key, std::string_view comment) {
    std::string line = "ed25519 " + base64(key.pub);
    if (!comment.empty()) {
        line += ' ';
        line += comment;
    }
    return line;
}

Result<void> write_key(const std::string& path, const KeyPair& key, std::string_view comment) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        return make_error(fmt::format("{}: exists already (a key is never overwritten)", path));
    }
    std::string text =
        fmt::format("{} {}\n", k_secret_tag, base64(std::string_view(key.secret).substr(0, k_seed_bytes)));
    auto written = atomic_write(path, text, 0600);
    sodium_memzero(text.data(), text.size());
    if (!written) {
        return written;
    }
    return atomic_write(path + ".pub", public_key_line(key, comment) + "\n", 0644);
}

Result<KeyPair> load_or_create_key(const std::string& path, std::string_view comment) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 && errno == ENOENT) {
        KeyPair key = generate_key();
        auto written = write_key(path, key, comment);
        if (!written) {
            return std::move(written).take_error();
        }
        return key;
    }
    return load_key(path);
}

std::string seal(const KeyPair& key, std::string_view body) {
    ensure_sodium();
    unsigned char sig[k_signature_bytes];
    crypto_sign_detached(sig, nullptr, bytes_of(body), body.size(), bytes_of(key.secret));
    std::string line = "{\"v\":1,\"key\":\"";
    line += base64(key.pub);
    line += "\",\"sig\":\"";
    line += base64(std::string_view(reinterpret_cast<const char*>(sig), sizeof sig));
    line += "\",\"body\":";
    json_escape_to(body, line);
    line += '}';
    return line;
}

Result<Sealed> parse_envelope(std::string_view line) {
    ensure_sodium();
    if (line.size() > k_max_envelope) {
        return make_error("envelope longer than 1 MiB");
    }
    // simdjson needs padding after the text; a copy is cheap next to a verification.
    simdjson::padded_string padded(line);
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(padded).get(root) != simdjson::SUCCESS) {
        return make_error("not JSON");
    }
    simdjson::dom::object object;
    if (root.get_object().get(object) != simdjson::SUCCESS) {
        return make_error("not a JSON object");
    }
    bool seen_v = false, seen_key = false, seen_sig = false, seen_body = false;
    int64_t version = 0;
    std::string_view key_text, sig_text, body;
    for (auto field : object) {
        bool* seen = nullptr;
        simdjson::error_code err = simdjson::SUCCESS;
        if (field.key == "v") {
            seen = &seen_v;
            err = field.value.get_int64().get(version);
        } else if (field.key == "key") {
            seen = &seen_key;
            err = field.value.get_string().get(key_text);
        } else if (field.key == "sig") {
            seen = &seen_sig;
            err = field.value.get_string().get(sig_text);
        } else if (field.key == "body") {
            seen = &seen_body;
            err = field.value.get_string().get(body);
        } else {
            continue;  // later versions may add fields; they are not signed, so never read
        }
        if (*seen) {
            return make_error(fmt::format("duplicate field \"{}\"", field.key));
        }
        if (err != simdjson::SUCCESS) {
            return make_error(fmt::format("field \"{}\" has the wrong type", field.key));
        }
        *seen = true;
    }
    if (!seen_v || !seen_key || !seen_sig || !seen_body) {
        return make_error("not an envelope (needs v, key, sig and body)");
    }
    if (version != 1) {
        return make_error(fmt::format("unknown envelope version {}", version));
    }
    auto pub = unbase64(key_text);
    if (!pub || pub->size() != k_public_key_bytes) {
        return make_error("key is not a base64 ed25519 public key");
    }
    auto sig = unbase64(sig_text);
    if (!sig || sig->size() != k_signature_bytes) {
        return make_error("sig is not a base64 ed25519 signature");
    }
    Sealed sealed;
    sealed.pub = std::move(*pub);
    sealed.sig = std::move(*sig);
    sealed.body = std::string(body);
    return sealed;
}

Result<Opened> verify_envelope(Sealed sealed) {
    ensure_sodium();
    if (sealed.pub.size() != k_public_key_bytes || sealed.sig.size() != k_signature_bytes ||
        crypto_sign_verify_detached(bytes_of(sealed.sig), bytes_of(sealed.body), sealed.body.size(),
                                    bytes_of(sealed.pub)) != 0) {
        return make_error("bad signature");
    }
    Opened opened;
    opened.fingerprint = fingerprint(sealed.pub);
    opened.pub = std::move(sealed.pub);
    opened.body = std::move(sealed.body);
    return opened;
}

Result<Opened> open_envelope(std::string_view line) {
    auto sealed = parse_envelope(line);
    if (!sealed) {
        return std::move(sealed).take_error();
    }
    return verify_envelope(std::move(*sealed));
}

}  // namespace ev::rpc
