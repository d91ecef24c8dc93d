// Weight gradients shaped as the weights (weights.hpp): zeros, sums, and the fold of a reverse
// pass's dE/dθ on S = T or Dual<T> into dL/dθ, shared by the gradients of network A
// (gradient.hpp) and network B (long_range_gradient.hpp).
#pragma once
#include <vector>

#include "lnet/infer/network.hpp"

namespace lnet::infer::gradient_detail {

inline Matrix zeros(const Matrix& m) {
  return {m.rows, m.cols, std::vector<double>(m.data.size(), 0.0)};
}

inline std::vector<Matrix> zeros(const std::vector<Matrix>& ms) {
  std::vector<Matrix> out;
  for (const Matrix& m : ms) out.push_back(zeros(m));
  return out;
}

inline void add(Matrix& sum, const Matrix& part) {
  for (std::size_t q = 0; q < sum.data.size(); ++q) sum.data[q] += part.data[q];
}

inline void add(std::vector<Matrix>& sum, const std::vector<Matrix>& part) {
  for (std::size_t k = 0; k < sum.size(); ++k) add(sum[k], part[k]);
}

// The trained matrices of a network as zeros (spec, degrees and counts kept).
inline NetworkWeights zero_gradient(const NetworkWeights& w) {
  NetworkWeights g = w;
  g.embedding = zeros(w.embedding);
  for (LayerWeights& L : g.layers)
    for (std::vector<Matrix>* ms : {&L.up, &L.mix, &L.out, &L.skip, &L.radial, &L.product})
      *ms = zeros(*ms);
  return g;
}

inline void add_gradient(NetworkWeights& sum, const NetworkWeights& part) {
  add(sum.embedding, part.embedding);
  for (std::size_t t = 0; t < sum.layers.size(); ++t) {
    LayerWeights& s = sum.layers[t];
    const LayerWeights& p = part.layers[t];
    add(s.up, p.up);
    add(s.mix, p.mix);
    add(s.out, p.out);
    add(s.skip, p.skip);
    add(s.radial, p.radial);
    add(s.product, p.product);
  }
}

// dL/dθ from dJ/dθ on S, J the scalar the reverse pass ran for (E, or a component of M): the
// seed dL/dJ times the value, plus the tangent (the mixed second derivative along the pass's
// direction: the force, virial or Born-charge term).
template <class S>
void fold(const S* from, double seed, Matrix& to) {
  for (std::size_t q = 0; q < to.data.size(); ++q)
    to.data[q] +=
        seed * static_cast<double>(value_of(from[q])) + static_cast<double>(tangent_of(from[q]));
}

template <class S>
void fold(const std::vector<RowMat<S>>& from, double seed, std::vector<Matrix>& to) {
  for (std::size_t k = 0; k < to.size(); ++k) fold(from[k].data(), seed, to[k]);
}

template <class S>
void fold(const NetworkGradient<S>& from, double seed, NetworkWeights& to) {
  fold(from.embedding.data(), seed, to.embedding);
  for (std::size_t t = 0; t < to.layers.size(); ++t) {
    const auto& f = from.layers[t];
    LayerWeights& L = to.layers[t];
    fold(f.up, seed, L.up);
    fold(f.mix, seed, L.mix);
    fold(f.out, seed, L.out);
    fold(f.skip, seed, L.skip);
    fold(f.radial, seed, L.radial);
    fold(f.product, seed, L.product);
  }
}

}  // namespace lnet::infer::gradient_detail
