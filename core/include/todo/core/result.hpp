#pragma once
// Result<T>: a value or an Error, shaped like std::expected<T, Error> so it can
// be swapped for it once both compilers ship <expected>. Reading the value of
// an error (or the error of a value) aborts with a message in every build:
// it is a bug in the caller, never something to run on from.

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <type_traits>
#include <utility>
#include <variant>

#include "todo/core/error.hpp"

namespace todo::core {

// Mirrors std::unexpected: `return Unexpected{Error::not_found("...")};`
struct Unexpected {
  Error error;
};

namespace detail {
[[noreturn]] inline void bad_result_access(const char* what, const Error* error) noexcept {
  std::fprintf(stderr, "todo::core::Result: %s (%s: %s)\n", what, error ? to_string(error->code) : "value",
               error ? error->message.c_str() : "-");
  std::abort();
}
}  // namespace detail

template <class T>
class Result;

template <class R>
struct is_result : std::false_type {};
template <class U>
struct is_result<Result<U>> : std::true_type {};

template <class T>
class [[nodiscard]] Result {
 public:
  using value_type = T;

  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)
  Result(Unexpected u) : state_(std::in_place_index<1>, std::move(u.error)) {}  // NOLINT(google-explicit-constructor)

  bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(checked_value()); }
  const T& value() const& { return std::get<0>(checked_value()); }
  T&& value() && { return std::get<0>(std::move(checked_value())); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  Error& error() & { return std::get<1>(checked_error()); }
  const Error& error() const& { return std::get<1>(checked_error()); }
  Error&& error() && { return std::get<1>(std::move(checked_error())); }

  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(state_) : static_cast<T>(std::forward<U>(fallback));
  }
  template <class U>
  T value_or(U&& fallback) && {
    return has_value() ? std::get<0>(std::move(state_)) : static_cast<T>(std::forward<U>(fallback));
  }

  // f(T) -> Result<U>: runs on a value, passes an error through.
  template <class F>
  auto and_then(F&& f) const& -> std::invoke_result_t<F, const T&> {
    static_assert(is_result<std::invoke_result_t<F, const T&>>::value, "and_then needs a function returning a Result");
    if (has_value()) return std::invoke(std::forward<F>(f), std::get<0>(state_));
    return std::get<1>(state_);
  }
  template <class F>
  auto and_then(F&& f) && -> std::invoke_result_t<F, T&&> {
    static_assert(is_result<std::invoke_result_t<F, T&&>>::value, "and_then needs a function returning a Result");
    if (has_value()) return std::invoke(std::forward<F>(f), std::get<0>(std::move(state_)));
    return std::get<1>(std::move(state_));
  }

  // f(T) -> U: the value mapped, or the error passed through.
  template <class F>
  auto transform(F&& f) const& -> Result<std::invoke_result_t<F, const T&>> {
    using U = std::invoke_result_t<F, const T&>;
    if (!has_value()) return std::get<1>(state_);
    if constexpr (std::is_void_v<U>) {
      std::invoke(std::forward<F>(f), std::get<0>(state_));
      return {};
    } else {
      return std::invoke(std::forward<F>(f), std::get<0>(state_));
    }
  }
  template <class F>
  auto transform(F&& f) && -> Result<std::invoke_result_t<F, T&&>> {
    using U = std::invoke_result_t<F, T&&>;
    if (!has_value()) return std::get<1>(std::move(state_));
    if constexpr (std::is_void_v<U>) {
      std::invoke(std::forward<F>(f), std::get<0>(std::move(state_)));
      return {};
    } else {
      return std::invoke(std::forward<F>(f), std::get<0>(std::move(state_)));
    }
  }

 private:
  std::variant<T, Error>& checked_value() {
    if (!has_value()) detail::bad_result_access("value() of an error", &std::get<1>(state_));
    return state_;
  }
  const std::variant<T, Error>& checked_value() const {
    if (!has_value()) detail::bad_result_access("value() of an error", &std::get<1>(state_));
    return state_;
  }
  std::variant<T, Error>& checked_error() {
    if (has_value()) detail::bad_result_access("error() of a value", nullptr);
    return state_;
  }
  const std::variant<T, Error>& checked_error() const {
    if (has_value()) detail::bad_result_access("error() of a value", nullptr);
    return state_;
  }

  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  using value_type = void;

  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  Result(Unexpected u) : error_(std::move(u.error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  void value() const {
    if (!ok_) detail::bad_result_access("value() of an error", &error_);
  }

  Error& error() & { return checked_error(); }
  const Error& error() const& { return const_cast<Result*>(this)->checked_error(); }  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  Error&& error() && { return std::move(checked_error()); }

  // f() -> Result<U>
  template <class F>
  auto and_then(F&& f) const -> std::invoke_result_t<F> {
    static_assert(is_result<std::invoke_result_t<F>>::value, "and_then needs a function returning a Result");
    if (ok_) return std::invoke(std::forward<F>(f));
    return error_;
  }
  // f() -> U
  template <class F>
  auto transform(F&& f) const -> Result<std::invoke_result_t<F>> {
    using U = std::invoke_result_t<F>;
    if (!ok_) return error_;
    if constexpr (std::is_void_v<U>) {
      std::invoke(std::forward<F>(f));
      return {};
    } else {
      return std::invoke(std::forward<F>(f));
    }
  }

 private:
  Error& checked_error() {
    if (ok_) detail::bad_result_access("error() of a value", nullptr);
    return error_;
  }

  Error error_{};
  bool ok_ = true;
};

}  // namespace todo::core
