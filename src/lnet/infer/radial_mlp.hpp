// The radial MLP of all edges of a structure (nn::RadialMlpImpl) as a few large real GEMMs, for
// the training networks (the weights change every step, so there is no table). A matrix of
// Dual<T> is carried "split", as two real matrices (value, tangent): for Z = X W with a constant
// W, value and tangent are Xv W and Xd W, so each dual product is two vectorised real GEMMs
// instead of Eigen's scalar loops over a custom type. The forward values are kept for the
// reverse pass, which then recomputes nothing. Internal to the engine (network*.cpp).
#pragma once
#include <array>
#include <vector>

#include "lnet/infer/network.hpp"

namespace lnet::infer {

// The real scalar under T: T itself, or U for Dual<U>.
template <class T>
struct RealOf {
  using type = T;
};
template <class U>
struct RealOf<Dual<U>> {
  using type = U;
};

// A matrix of Dual<T> as its value and tangent; an empty tangent means zero (plain T).
template <class T>
struct SplitMat {
  RowMat<T> v, d;
  bool has_tangent() const { return d.size() != 0; }
};

// Conversions between a matrix on T (real or Dual) and its split form over RealOf<T>.
template <class T>
SplitMat<T> split(const RowMat<T>& m) {
  return {m, RowMat<T>()};
}
template <class U>
SplitMat<U> split(const RowMat<Dual<U>>& m) {
  SplitMat<U> out{RowMat<U>(m.rows(), m.cols()), RowMat<U>(m.rows(), m.cols())};
  for (Eigen::Index q = 0; q < m.size(); ++q) {
    out.v.data()[q] = m.data()[q].v;
    out.d.data()[q] = m.data()[q].d;
  }
  return out;
}
// to += m (same shape).
template <class T>
void add_merged(RowMat<T>& to, const SplitMat<T>& m) {
  to += m.v;
}
template <class U>
void add_merged(RowMat<Dual<U>>& to, const SplitMat<U>& m) {
  for (Eigen::Index q = 0; q < to.size(); ++q) {
    to.data()[q].v += m.v.data()[q];
    if (m.has_tangent()) to.data()[q].d += m.d.data()[q];
  }
}
template <class T>
void merge(RowMat<T>& to, const SplitMat<T>& m) {
  to = m.v;
}
template <class U>
void merge(RowMat<Dual<U>>& to, const SplitMat<U>& m) {
  to.resize(m.v.rows(), m.v.cols());
  for (Eigen::Index q = 0; q < to.size(); ++q)
    to.data()[q] = Dual<U>(m.v.data()[q], m.has_tangent() ? m.d.data()[q] : U(0));
}

// y = x w' for a constant (tangent-free) w, w' = wᵀ if transpose: yv = xv w', yd = xd w'.
template <class T>
void split_product(SplitMat<T>& y, const SplitMat<T>& x, const RowMat<T>& w, bool transpose);
// g += xᵀ y: value xvᵀ yv, tangent xdᵀ yv + xvᵀ yd (missing tangents are zero).
template <class T>
void add_split_gram(SplitMat<T>& g, const SplitMat<T>& x, const SplitMat<T>& y);

// basis [E, nb] -> R [E, out]: z1 = basis W0, h1 = s silu(z1), ..., R = h3 W3 (s = 1.679).
template <class T>
class RadialMlp {
 public:
  void forward(const std::vector<RowMat<T>>& w, SplitMat<T> basis);
  const SplitMat<T>& output() const { return r_; }
  // dE/dR -> dE/d(basis). With `wg` (4 matrices shaped as w), adds dE/dW to it.
  SplitMat<T> backward(const std::vector<RowMat<T>>& w, SplitMat<T> dr,
                       std::vector<SplitMat<T>>* wg) const;

 private:
  std::array<SplitMat<T>, 4> x_;  // inputs of the four linear maps: basis, h1, h2, h3
  std::array<SplitMat<T>, 3> z_;  // pre-activations
  std::array<RowMat<T>, 3> s_;    // sigmoid of the pre-activations' values
  SplitMat<T> r_;
};

extern template class RadialMlp<float>;
extern template class RadialMlp<double>;

}  // namespace lnet::infer
