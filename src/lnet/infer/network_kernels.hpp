// Kernels shared by the forward (network.cpp) and reverse (network_backward.cpp) passes of
// infer::Network, and the training networks' per-layer edge cache. Internal to the engine.
#pragma once
#include <algorithm>
#include <type_traits>
#include <vector>

#include "lnet/infer/network.hpp"
#include "lnet/infer/radial_mlp.hpp"

namespace lnet::infer {

namespace detail {

constexpr double kSiluScale = 1.679;  // as nn::RadialMlpImpl

// Unqualified math calls (exp, sqrt, pow, sin, cos) with `using std::...`: std's for float and
// double, dual.hpp's for Dual<T>.
template <class T>
T sigmoid(T z) {
  using std::exp;
  return T(1) / (T(1) + exp(-z));
}

inline int dim(int l) { return 2 * l + 1; }

// The coupling matrix of message path `mp` for one edge's harmonics `y` (l² + m indexing):
// g[m1 dim(l3) + m3] = Σ_m2 C(m1, m2, m3) y_{l2 m2}.
template <class Path, class T>
void coupling_matrix(const Path& mp, const T* y, T* g) {
  const int n3 = dim(mp.l3);
  std::fill(g, g + dim(mp.l1) * n3, T(0));
  for (const auto& q : mp.cg) g[q.m1 * n3 + q.m3] += q.v * y[mp.l2 * mp.l2 + q.m2];
}

// Matrix products x = a b and x += a b. Plain scalars: Eigen's vectorised GEMM. Dual<T>: Eigen
// has no vectorised kernel for a custom scalar, so the product is taken on the real parts,
// (a + a' ε)(b + b' ε) = ab + (ab' + a'b) ε: two or three real GEMMs (a weight has no tangent).
template <class T>
struct Products {
  template <class X, class A, class B>
  static void set(X& x, const A& a, const B& b) {
    x.noalias() = a * b;
  }
  template <class X, class A, class B>
  static void add(X& x, const A& a, const B& b) {
    x.noalias() += a * b;
  }
};

template <class T>
struct Products<Dual<T>> {
  using D = Dual<T>;
  template <class A, class B>
  static RowMat<D> product(const A& a, const B& b) {
    const RowMat<D> x = a, y = b;  // evaluates transposes and scalings
    const auto value = [](const D& q) { return q.v; };
    const auto tangent = [](const D& q) { return q.d; };
    const RowMat<T> xv = x.unaryExpr(value), yv = y.unaryExpr(value), xd = x.unaryExpr(tangent),
                    yd = y.unaryExpr(tangent);
    RowMat<T> v, t = RowMat<T>::Zero(x.rows(), y.cols());
    v.noalias() = xv * yv;
    if (!yd.isZero(0)) t.noalias() += xv * yd;
    if (!xd.isZero(0)) t.noalias() += xd * yv;
    RowMat<D> out(v.rows(), v.cols());
    for (Eigen::Index q = 0; q < v.size(); ++q) out.data()[q] = D(v.data()[q], t.data()[q]);
    return out;
  }
  template <class X, class A, class B>
  static void set(X& x, const A& a, const B& b) {
    x = product(a, b);
  }
  template <class X, class A, class B>
  static void add(X& x, const A& a, const B& b) {
    x += product(a, b);
  }
};

template <class X, class A, class B>
void set_product(X& x, const A& a, const B& b) {
  Products<typename X::Scalar>::set(x, a, b);
}
template <class X, class A, class B>
void add_product(X& x, const A& a, const B& b) {
  Products<typename X::Scalar>::add(x, a, b);
}

// Channel loops of the message kernels, with restrict so that they vectorise.
template <class T>
inline void axpy(int c, T w, const T* __restrict x, T* __restrict y) {
  for (int ch = 0; ch < c; ++ch) y[ch] += w * x[ch];
}
template <class T>
inline void multiply(int c, const T* __restrict x, const T* __restrict y, T* __restrict out) {
  for (int ch = 0; ch < c; ++ch) out[ch] = x[ch] * y[ch];
}
template <class T>
inline void multiply_add(int c, const T* __restrict x, const T* __restrict y, T* __restrict out) {
  for (int ch = 0; ch < c; ++ch) out[ch] += x[ch] * y[ch];
}
template <class T>
inline T dot(int c, const T* __restrict x, const T* __restrict y) {
  T s = 0;
  for (int ch = 0; ch < c; ++ch) s += x[ch] * y[ch];
  return s;
}

}  // namespace detail

// Training (weight gradients, exact radial MLP): every edge of one layer, kept from the forward
// pass for the reverse pass. `b` holds all edges (k = E; R merged back to T for the message
// kernels); the radial MLP runs on the real parts.
template <class T>
struct Network<T>::EdgeCache {
  using Real = typename RealOf<T>::type;
  Block b;
  std::vector<RowMat<Real>> radial;  // the layer's radial MLP weights (constants)
  RadialMlp<Real> mlp;
};

}  // namespace lnet::infer
