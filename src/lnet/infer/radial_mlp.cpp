#include "lnet/infer/radial_mlp.hpp"

#include <cmath>
#include <utility>

#include "lnet/infer/gemm.hpp"

namespace lnet::infer {

namespace {

constexpr double kSiluScale = 1.679;  // as nn::RadialMlpImpl

}  // namespace

template <class T>
void split_product(SplitMat<T>& y, const SplitMat<T>& x, const RowMat<T>& w, bool transpose) {
  gemm(x.v, false, w, transpose, y.v, false);
  if (x.has_tangent())
    gemm(x.d, false, w, transpose, y.d, false);
  else
    y.d.resize(0, 0);
}

template <class T>
void add_split_gram(SplitMat<T>& g, const SplitMat<T>& x, const SplitMat<T>& y) {
  gemm(x.v, true, y.v, false, g.v, true);
  if (!x.has_tangent() && !y.has_tangent()) return;
  if (!g.has_tangent()) g.d = RowMat<T>::Zero(g.v.rows(), g.v.cols());
  if (x.has_tangent()) gemm(x.d, true, y.v, false, g.d, true);
  if (y.has_tangent()) gemm(x.v, true, y.d, false, g.d, true);
}

// h = s z sigmoid(z), with tangent h' = s sigmoid(z) (1 + z (1 - sigmoid(z))) z'.
template <class T>
void RadialMlp<T>::forward(const std::vector<RowMat<T>>& w, SplitMat<T> basis) {
  const T scale = static_cast<T>(kSiluScale);
  // The training passes of one structure differ only in their direction (forces, strain, each
  // component of a Born-charge term): with the values of the last pass, only the tangents are
  // new, and the value products and activations are kept (the weights are this network's).
  const bool same_values = basis.has_tangent() && r_.v.size() > 0 &&
                           x_[0].v.rows() == basis.v.rows() && x_[0].v.cols() == basis.v.cols() &&
                           x_[0].v == basis.v;
  x_[0] = std::move(basis);
  if (same_values) {
    for (int k = 0; k < 3; ++k) {
      gemm(x_[k].d, false, w[k], false, z_[k].d, false);
      const RowMat<T>& z = z_[k].v;
      const RowMat<T>& s = s_[k];
      RowMat<T>& hd = x_[k + 1].d;
      hd.resize(z.rows(), z.cols());
      for (Eigen::Index q = 0; q < z.size(); ++q) {
        const T zz = z.data()[q], sg = s.data()[q];
        hd.data()[q] = scale * sg * (1 + zz * (1 - sg)) * z_[k].d.data()[q];
      }
    }
    gemm(x_[3].d, false, w[3], false, r_.d, false);
    return;
  }
  for (int k = 0; k < 3; ++k) {
    split_product(z_[k], x_[k], w[k], false);
    const SplitMat<T>& z = z_[k];
    SplitMat<T>& h = x_[k + 1];
    RowMat<T>& s = s_[k];
    s.resize(z.v.rows(), z.v.cols());
    h.v.resize(z.v.rows(), z.v.cols());
    h.d.resize(z.d.rows(), z.d.cols());
    const bool tangent = z.has_tangent();
    for (Eigen::Index q = 0; q < z.v.size(); ++q) {
      const T zz = z.v.data()[q], sg = T(1) / (T(1) + std::exp(-zz));
      s.data()[q] = sg;
      h.v.data()[q] = scale * zz * sg;
      if (tangent) h.d.data()[q] = scale * sg * (1 + zz * (1 - sg)) * z.d.data()[q];
    }
  }
  split_product(r_, x_[3], w[3], false);
}

// Through h = s silu(z): dz = dh s silu'(z), silu'(z) = g(z) = sig (1 + z (1 - sig)); its
// tangent adds dh s g'(z) z' with g'(z) = sig (1 - sig) (2 + z (1 - 2 sig)).
template <class T>
SplitMat<T> RadialMlp<T>::backward(const std::vector<RowMat<T>>& w, SplitMat<T> dr,
                                   std::vector<SplitMat<T>>* wg) const {
  const T scale = static_cast<T>(kSiluScale);
  SplitMat<T> d = std::move(dr), prev;
  for (int k = 3; k >= 0; --k) {
    if (wg) add_split_gram((*wg)[k], x_[k], d);
    split_product(prev, d, w[k], true);
    if (k == 0) break;
    const SplitMat<T>& z = z_[k - 1];
    const RowMat<T>& s = s_[k - 1];
    const bool tangent = z.has_tangent() || prev.has_tangent();
    if (tangent && !prev.has_tangent()) prev.d = RowMat<T>::Zero(prev.v.rows(), prev.v.cols());
    for (Eigen::Index q = 0; q < prev.v.size(); ++q) {
      const T zz = z.v.data()[q], sg = s.data()[q];
      const T g = scale * sg * (1 + zz * (1 - sg));
      const T dv = prev.v.data()[q];
      prev.v.data()[q] = dv * g;
      if (!tangent) continue;
      T t = prev.d.data()[q] * g;
      if (z.has_tangent())
        t += dv * scale * sg * (1 - sg) * (2 + zz * (1 - 2 * sg)) * z.d.data()[q];
      prev.d.data()[q] = t;
    }
    std::swap(d, prev);
  }
  return prev;
}

template void split_product(SplitMat<float>&, const SplitMat<float>&, const RowMat<float>&, bool);
template void split_product(SplitMat<double>&, const SplitMat<double>&, const RowMat<double>&,
                            bool);
template void add_split_gram(SplitMat<float>&, const SplitMat<float>&, const SplitMat<float>&);
template void add_split_gram(SplitMat<double>&, const SplitMat<double>&, const SplitMat<double>&);
template class RadialMlp<float>;
template class RadialMlp<double>;

}  // namespace lnet::infer
