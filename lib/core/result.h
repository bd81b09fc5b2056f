// Result<T>: a value or an error message; the one error idiom of lib/.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace ev {

/// An error message meant for a human, without the "TOOL: " prefix.
struct Error {
    std::string message;
};

/// Builds an Error from a message; reads better at return sites.
inline Error make_error(std::string message) {
    return Error{std::move(message)};
}

/// Either a value of T or an Error; no exceptions cross module boundaries.
template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_v(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_v(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(m_v); }
    const T& value() const& { return std::get<0>(m_v); }
    T&& value() && { return std::get<0>(std::move(m_v)); }
    T* operator->() { return &std::get<0>(m_v); }
    const T* operator->() const { return &std::get<0>(m_v); }
    T& operator*() & { return std::get<0>(m_v); }
    const T& operator*() const& { return std::get<0>(m_v); }

    const std::string& error() const { return std::get<1>(m_v).message; }
    Error take_error() && { return std::get<1>(std::move(m_v)); }

private:
    std::variant<T, Error> m_v;
};

/// Result of an operation that yields nothing but may fail.
template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error.message)), m_failed(true) {}

    bool ok() const { return !m_failed; }
    explicit operator bool() const { return ok(); }
    const std::string& error() const { return m_error; }
    Error take_error() && { return Error{std::move(m_error)}; }

private:
    std::string m_error;
    bool m_failed = false;
};

}  // namespace ev
