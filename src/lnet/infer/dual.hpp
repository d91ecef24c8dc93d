// Forward-mode dual scalar x + x' ε (ε² = 0) for the engine's training path: the networks
// instantiated on Dual<T> carry, beside every value, its derivative along one direction of the
// inputs. Seeding the edge vectors' tangents with a loss direction makes the reverse pass's
// weight gradient dE/dθ come out with tangent d²E/dθ dr · v: the exact mixed second derivative
// that a force or stress loss needs, without a second reverse pass (docs/DESIGN.md §2).
#pragma once
#include <Eigen/Core>
#include <cmath>
#include <type_traits>

namespace lnet::infer {

template <class T>
struct Dual {
  T v = 0, d = 0;  // value and tangent

  Dual() = default;
  Dual(T value, T tangent) : v(value), d(tangent) {}
  // Constants (literals, weights, CG coefficients) have no tangent.
  template <class U, class = std::enable_if_t<std::is_arithmetic_v<U>>>
  Dual(U value) : v(static_cast<T>(value)) {}  // NOLINT(google-explicit-constructor)
  // The value, for code that leaves the differentiated path (table indices).
  template <class U, class = std::enable_if_t<std::is_arithmetic_v<U>>>
  explicit operator U() const {
    return static_cast<U>(v);
  }

  Dual& operator+=(const Dual& o) {
    v += o.v;
    d += o.d;
    return *this;
  }
  Dual& operator-=(const Dual& o) {
    v -= o.v;
    d -= o.d;
    return *this;
  }
  Dual& operator*=(const Dual& o) {
    d = d * o.v + v * o.d;
    v *= o.v;
    return *this;
  }
  Dual& operator/=(const Dual& o) {
    const T inv = T(1) / o.v;
    v *= inv;
    d = (d - v * o.d) * inv;
    return *this;
  }
  // Hidden friends: found by argument-dependent lookup, and a plain number on either side
  // converts to a constant Dual.
  friend Dual operator+(Dual a, const Dual& b) { return a += b; }
  friend Dual operator-(Dual a, const Dual& b) { return a -= b; }
  friend Dual operator*(Dual a, const Dual& b) { return a *= b; }
  friend Dual operator/(Dual a, const Dual& b) { return a /= b; }
  friend Dual operator-(const Dual& a) { return {-a.v, -a.d}; }
  friend Dual operator+(const Dual& a) { return a; }
  // Equality compares both parts (the engine skips a coupling weight that is exactly zero, which
  // it may only do when its tangent is zero too); ordering compares values.
  friend bool operator==(const Dual& a, const Dual& b) { return a.v == b.v && a.d == b.d; }
  friend bool operator!=(const Dual& a, const Dual& b) { return !(a == b); }
  friend bool operator<(const Dual& a, const Dual& b) { return a.v < b.v; }
  friend bool operator>(const Dual& a, const Dual& b) { return a.v > b.v; }
  friend bool operator<=(const Dual& a, const Dual& b) { return a.v <= b.v; }
  friend bool operator>=(const Dual& a, const Dual& b) { return a.v >= b.v; }

  friend Dual exp(const Dual& a) {
    const T e = std::exp(a.v);
    return {e, e * a.d};
  }
  friend Dual log(const Dual& a) { return {std::log(a.v), a.d / a.v}; }
  friend Dual sqrt(const Dual& a) {
    const T s = std::sqrt(a.v);
    return {s, a.d / (2 * s)};
  }
  friend Dual sin(const Dual& a) { return {std::sin(a.v), std::cos(a.v) * a.d}; }
  friend Dual cos(const Dual& a) { return {std::cos(a.v), -std::sin(a.v) * a.d}; }
  friend Dual abs(const Dual& a) { return a.v < 0 ? -a : a; }
  // x^p; p's tangent enters through log x (zero for the constant exponents of the engine).
  friend Dual pow(const Dual& x, const Dual& p) {
    const T value = std::pow(x.v, p.v);
    T tangent = x.d == T(0) ? T(0) : p.v * std::pow(x.v, p.v - 1) * x.d;
    if (p.d != T(0)) tangent += value * std::log(x.v) * p.d;
    return {value, tangent};
  }
};

// Value and tangent of a plain number or a Dual, for code written for both.
template <class T>
T value_of(const T& x) {
  return x;
}
template <class T>
T value_of(const Dual<T>& x) {
  return x.v;
}
template <class T>
T tangent_of(const T&) {
  return T(0);
}
template <class T>
T tangent_of(const Dual<T>& x) {
  return x.d;
}

}  // namespace lnet::infer

namespace Eigen {

// RowMat<Dual<T>>: plain (non-vectorised) Eigen kernels over the dual arithmetic.
template <class T>
struct NumTraits<lnet::infer::Dual<T>> : GenericNumTraits<lnet::infer::Dual<T>> {
  using Real = lnet::infer::Dual<T>;
  using NonInteger = Real;
  using Nested = Real;
  using Literal = Real;
  enum {
    IsComplex = 0,
    IsInteger = 0,
    IsSigned = 1,
    RequireInitialization = 1,
    ReadCost = 2,
    AddCost = 2,
    MulCost = 4
  };
  static inline Real epsilon() { return Real(NumTraits<T>::epsilon()); }
  static inline Real dummy_precision() { return Real(NumTraits<T>::dummy_precision()); }
  static inline Real highest() { return Real(NumTraits<T>::highest()); }
  static inline Real lowest() { return Real(NumTraits<T>::lowest()); }
  static inline int digits10() { return NumTraits<T>::digits10(); }
};

}  // namespace Eigen
