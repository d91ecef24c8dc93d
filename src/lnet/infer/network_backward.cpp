// The reverse pass of infer::Network (network.hpp): dE/d(edge vectors) and, for training,
// dE/dθ of every weight. The forward pass is network.cpp.
#include <algorithm>
#include <type_traits>

#include "lnet/core/error.hpp"
#include "lnet/infer/network_kernels.hpp"
#include "lnet/infer/omp_threads.hpp"

namespace lnet::infer {

using namespace detail;

// dup_j += dE/d(up_j) over the edges of receiver i; dE/dR and dE/dY of those edges.
template <class T>
void Network<T>::message_gradients(const Layer& L, const Graph<T>& g, const RowMat<T>* up,
                                   const RowMat<T>* da, int i, const Block& b, int first,
                                   RowMat<T>* dup, T* dr, T* gy) const {
  const int e0 = g.offsets[i], c = c_, k = g.offsets[i + 1] - e0;
  const Eigen::Index pc = b.r.cols();
  std::vector<T> tmp(7 * c), v(c);
  T gm[7 * 7], dg[7 * 7];
  for (int e = 0; e < k; ++e) {
    const int j = g.sender[e0 + e];
    const T* y = &b.y[16 * (first + e)];
    const T* rrow = b.r.data() + static_cast<std::size_t>(first + e) * pc;
    T* drrow = dr + static_cast<std::size_t>(e) * pc;
    for (std::size_t p = 0; p < L.paths.size(); ++p) {
      const MsgPath& mp = L.paths[p];
      const int n1 = dim(mp.l1), n3 = dim(mp.l3);
      coupling_matrix(mp, y, gm);
      const T* rp = rrow + p * c;
      T* drp = drrow + p * c;
      const T* h = up[mp.l1].data() + static_cast<std::size_t>(j) * n1 * c;
      T* dh = dup[mp.l1].data() + static_cast<std::size_t>(j) * n1 * c;
      const T* d3 = da[mp.l3].data() + static_cast<std::size_t>(i) * n3 * c;
      for (int m1 = 0; m1 < n1; ++m1) {
        std::fill(v.begin(), v.end(), T(0));
        for (int m3 = 0; m3 < n3; ++m3) {
          const T w = gm[m1 * n3 + m3];
          if (w != T(0)) axpy(c, w, d3 + m3 * c, v.data());
        }
        multiply_add(c, v.data(), rp, dh + m1 * c);
        multiply_add(c, h + m1 * c, v.data(), drp);
        multiply(c, h + m1 * c, rp, &tmp[m1 * c]);
      }
      for (int m1 = 0; m1 < n1; ++m1)
        for (int m3 = 0; m3 < n3; ++m3) dg[m1 * n3 + m3] = dot(c, &tmp[m1 * c], d3 + m3 * c);
      T* gyl = &gy[16 * e + mp.l2 * mp.l2];
      for (const Cg& q : mp.cg) gyl[q.m2] += q.v * dg[q.m1 * n3 + q.m3];
    }
  }
}

// Reverse of messages() for receiver i's own block: dup_j += dE/d(up_j); the radial-MLP and
// harmonics gradients go to dE/d(r_ij) in edge_grad.
template <class T>
void Network<T>::messages_backward(const Layer& L, const Graph<T>& g, const RowMat<T>* up,
                                   const RowMat<T>* da, int i, Block& b, RowMat<T>* dup,
                                   std::vector<T>& edge_grad,
                                   typename NetworkGradient<T>::Layer* wg) const {
  const int e0 = g.offsets[i], k = b.k;
  RowMat<T> dr = RowMat<T>::Zero(k, b.r.cols());
  std::vector<T> gy(16 * k, T(0));
  message_gradients(L, g, up, da, i, b, 0, dup, dr.data(), gy.data());
  if (table_ > 0) {
    for (int e = 0; e < k; ++e) {
      T gr = 0;
      const T *d = dr.data() + static_cast<std::size_t>(e) * dr.cols(),
              *s = b.dr.data() + static_cast<std::size_t>(e) * dr.cols();
      for (Eigen::Index q = 0; q < dr.cols(); ++q) gr += d[q] * s[q];
      add_edge_gradient(L, b, e, gr, gy.data(), &edge_grad[3 * (e0 + e)]);
    }
    return;
  }
  // Radial MLP backward: h = scale * silu(z), dh/dz = scale * sig (1 + z (1 - sig)).
  const T scale = static_cast<T>(kSiluScale);
  auto dact = [&](RowMat<T>& d, const RowMat<T>& z) {
    for (Eigen::Index q = 0; q < z.size(); ++q) {
      const T zz = z.data()[q], s = sigmoid(zz);
      d.data()[q] *= scale * s * (1 + zz * (1 - s));
    }
  };
  RowMat<T> d3, d2, d1, dbasis;
  set_product(d3, dr, L.radial[3].transpose());
  dact(d3, b.z3);
  set_product(d2, d3, L.radial[2].transpose());
  dact(d2, b.z2);
  set_product(d1, d2, L.radial[1].transpose());
  dact(d1, b.z1);
  set_product(dbasis, d1, L.radial[0].transpose());
  if (wg) {
    add_product(wg->radial[3], b.h3.transpose(), dr);
    add_product(wg->radial[2], b.h2.transpose(), d3);
    add_product(wg->radial[1], b.h1.transpose(), d2);
    add_product(wg->radial[0], b.basis.transpose(), d1);
  }
  for (int e = 0; e < k; ++e) {
    T gr = 0;
    for (int n = 0; n < nb_; ++n) gr += dbasis(e, n) * b.dbasis(e, n);
    add_edge_gradient(L, b, e, gr, gy.data(), &edge_grad[3 * (e0 + e)]);
  }
}

// Training: the message gradients of every receiver into dE/dR of all edges, then the radial
// MLP's reverse pass over all edges at once (radial_mlp.hpp) and the edge gradients.
template <class T>
void Network<T>::cached_messages_backward(const Layer& L, const Graph<T>& g, int t,
                                          const RowMat<T>* da, RowMat<T>* dup,
                                          std::vector<T>& edge_grad,
                                          typename NetworkGradient<T>::Layer* wg) const {
  using Real = typename EdgeCache::Real;
  const EdgeCache& ec = *cache_[t];
  const Block& b = ec.b;
  const int ne = static_cast<int>(g.num_edges());
  RowMat<T> dr = RowMat<T>::Zero(ne, b.r.cols());
  std::vector<T> gy(16 * static_cast<std::size_t>(ne), T(0));
  for (int i = 0; i < g.num_atoms; ++i) {
    const int e0 = g.offsets[i];
    if (g.offsets[i + 1] == e0) continue;
    message_gradients(L, g, up_[t].data(), da, i, b, e0, dup,
                      dr.data() + static_cast<std::size_t>(e0) * dr.cols(), &gy[16 * e0]);
  }
  std::vector<SplitMat<Real>> dw;
  if (wg)
    for (const RowMat<Real>& w : ec.radial)
      dw.push_back({RowMat<Real>::Zero(w.rows(), w.cols()), RowMat<Real>()});
  RowMat<T> dbasis;
  merge(dbasis, ec.mlp.backward(ec.radial, split(dr), wg ? &dw : nullptr));
  if (wg)
    for (std::size_t k = 0; k < dw.size(); ++k) add_merged(wg->radial[k], dw[k]);
  for (int e = 0; e < ne; ++e) {
    T gr = 0;
    for (int n = 0; n < nb_; ++n) gr += dbasis(e, n) * b.dbasis(e, n);
    add_edge_gradient(L, b, e, gr, gy.data(), &edge_grad[3 * e]);
  }
}

// dE/dr_ij from dE/d|r| (radial part) and dE/dY (harmonics): gr u + (1 - u uᵀ) (dY/du)ᵀ gY / r.
template <class T>
void Network<T>::add_edge_gradient(const Layer& L, const Block& b, int e, T gr, const T* gy,
                                   T* out) const {
  T tg[3] = {0, 0, 0};
  const T* dy = &b.dy[48 * e];
  for (int lm = 1; lm < (L.l_sh + 1) * (L.l_sh + 1); ++lm)
    for (int a = 0; a < 3; ++a) tg[a] += gy[16 * e + lm] * dy[3 * lm + a];
  const T* u = &b.u[3 * e];
  const T ut = u[0] * tg[0] + u[1] * tg[1] + u[2] * tg[2], r = b.len[e];
  for (int a = 0; a < 3; ++a) out[a] += gr * u[a] + (tg[a] - u[a] * ut) / r;
}

template <class T>
Irreps<T> Network<T>::layer_backward(const Layer& L, const Graph<T>& g, int t,
                                     const Irreps<T>& dout, std::vector<T>& edge_grad,
                                     typename NetworkGradient<T>::Layer* wg) const {
  const int n = g.num_atoms, c = c_;
  Irreps<T> dh(L.l_in + 1);
  for (int l = 0; l <= L.l_in; ++l) dh[l] = RowMat<T>::Zero(n * dim(l), c);
  Irreps<T> db(L.l_out + 1);
  for (int l = 0; l <= L.l_out; ++l) {
    if (dout[l].size() == 0) {
      db[l] = RowMat<T>::Zero(n * dim(l), c);
      continue;
    }
    set_product(db[l], dout[l], L.out[l].transpose());
    if (l <= std::min(L.l_in, L.l_out)) add_product(dh[l], dout[l], L.skip[l].transpose());
    if (wg) {
      add_product(wg->out[l], prod_[t][l].transpose(), dout[l]);
      if (l <= std::min(L.l_in, L.l_out)) add_product(wg->skip[l], h_[t][l].transpose(), dout[l]);
    }
  }
  Irreps<T> da(L.l_sh + 1);
  for (int l = 0; l <= L.l_sh; ++l) da[l] = RowMat<T>::Zero(n * dim(l), c);
  const Irreps<T>& a = a_[t];
  // Weight gradients are summed over atoms: these loops then run on the calling thread.
#pragma omp parallel for schedule(static) if (!wg)
  for (int i = 0; i < n; ++i) {
    if (g.offsets[i + 1] == g.offsets[i]) continue;  // no messages: dE/dA is not needed
    const T *ap[kMaxL + 1], *dbp[kMaxL + 1];
    T* dap[kMaxL + 1];
    std::vector<T*> dw;
    if (wg)
      for (RowMat<T>& w : wg->product)
        dw.push_back(w.data() + static_cast<std::size_t>(g.species[i]) * c);
    for (int l = 0; l <= L.l_sh; ++l) {
      ap[l] = a[l].data() + static_cast<std::size_t>(i) * dim(l) * c;
      dap[l] = da[l].data() + static_cast<std::size_t>(i) * dim(l) * c;
    }
    for (int l = 0; l <= L.l_out; ++l)
      dbp[l] = db[l].data() + static_cast<std::size_t>(i) * dim(l) * c;
    product_backward(L, g.species[i], ap, dbp, dap, wg ? dw.data() : nullptr);
  }
  Irreps<T> dacc(L.l_sh + 1);  // dE/d(sum of messages)
  for (int l = 0; l <= L.l_sh; ++l) {
    if constexpr (std::is_floating_point_v<T>) {
      dacc[l].noalias() = (da[l] * L.mix[l].transpose()) / avg_neighbors_;
    } else {
      set_product(dacc[l], da[l], L.mix[l].transpose());
      dacc[l] /= avg_neighbors_;
    }
    if (wg) add_product(wg->mix[l], mix_in_[t][l].transpose(), da[l]);
  }
  // dE/d(up_j) is scattered to senders: one buffer per thread, summed afterwards. Edge
  // gradients are written by the receiver's thread only.
  std::vector<Irreps<T>> dup(max_threads());
  if (!cache_.empty()) {
    dup[0].resize(L.l_in + 1);
    for (int l = 0; l <= L.l_in; ++l) dup[0][l] = RowMat<T>::Zero(n * dim(l), c);
    cached_messages_backward(L, g, t, dacc.data(), dup[0].data(), edge_grad, wg);
  } else
#pragma omp parallel if (!wg)
  {
    Irreps<T>& mine = dup[thread_id()];
    mine.resize(L.l_in + 1);
    for (int l = 0; l <= L.l_in; ++l) mine[l] = RowMat<T>::Zero(n * dim(l), c);
    Block b;
#pragma omp for schedule(static)
    for (int i = 0; i < n; ++i) {
      if (g.offsets[i + 1] == g.offsets[i]) continue;
      edge_block(L, g, i, b);
      messages_backward(L, g, up_[t].data(), dacc.data(), i, b, mine.data(), edge_grad, wg);
    }
  }
  for (std::size_t k = 1; k < dup.size(); ++k)
    for (int l = 0; l <= L.l_in && !dup[k].empty(); ++l) dup[0][l] += dup[k][l];
  for (int l = 0; l <= L.l_in; ++l) {
    add_product(dh[l], dup[0][l], L.up[l].transpose());
    if (wg) add_product(wg->up[l], h_[t][l].transpose(), dup[0][l]);
  }
  return dh;
}

template <class T>
NetworkGradient<T> Network<T>::zero_gradient() const {
  auto zeros = [](const std::vector<RowMat<T>>& ms) {
    std::vector<RowMat<T>> out;
    for (const RowMat<T>& m : ms) out.push_back(RowMat<T>::Zero(m.rows(), m.cols()));
    return out;
  };
  NetworkGradient<T> z;
  z.embedding = RowMat<T>::Zero(embedding_.rows(), embedding_.cols());
  for (const Layer& L : layers_)
    z.layers.push_back({zeros(L.up), zeros(L.mix), zeros(L.out), zeros(L.skip), zeros(L.radial),
                        zeros(L.product)});
  return z;
}

template <class T>
void Network<T>::backward(const Graph<T>& g, std::vector<Irreps<T>> d_features,
                          std::vector<T>& edge_grad, NetworkGradient<T>* wg) const {
  if (wg && (!keep_ || table_ > 0))
    throw Error(
        "infer::Network: weight gradients need options.weight_gradients and the exact radial "
        "MLP (radial_table = 0)");
  if (edge_grad.size() != 3 * g.num_edges()) edge_grad.assign(3 * g.num_edges(), T(0));
  for (int t = num_layers() - 1; t >= 0; --t) {
    const Layer& L = layers_[t];
    d_features[t].resize(L.l_out + 1);
    Irreps<T> dh = layer_backward(L, g, t, d_features[t], edge_grad, wg ? &wg->layers[t] : nullptr);
    if (t == 0) {
      // h_0 = embedding[species]: dE/d(embedding) only for the weight gradient.
      if (wg)
        for (int i = 0; i < g.num_atoms; ++i) wg->embedding.row(g.species[i]) += dh[0].row(i);
      break;
    }
    Irreps<T>& prev = d_features[t - 1];
    prev.resize(std::max<std::size_t>(prev.size(), dh.size()));
    for (std::size_t l = 0; l < dh.size(); ++l) {
      if (prev[l].size() == 0)
        prev[l] = std::move(dh[l]);
      else
        prev[l] += dh[l];
    }
  }
}

// network.cpp instantiates the class (the header declares it extern); these are the members
// defined here.
#define LNET_NETWORK_BACKWARD(T)                                                                  \
  template void Network<T>::message_gradients(const Layer&, const Graph<T>&, const RowMat<T>*,    \
                                              const RowMat<T>*, int, const Block&, int,           \
                                              RowMat<T>*, T*, T*) const;                          \
  template void Network<T>::messages_backward(                                                    \
      const Layer&, const Graph<T>&, const RowMat<T>*, const RowMat<T>*, int, Block&, RowMat<T>*, \
      std::vector<T>&, typename NetworkGradient<T>::Layer*) const;                                \
  template void Network<T>::cached_messages_backward(                                             \
      const Layer&, const Graph<T>&, int, const RowMat<T>*, RowMat<T>*, std::vector<T>&,          \
      typename NetworkGradient<T>::Layer*) const;                                                 \
  template void Network<T>::add_edge_gradient(const Layer&, const Block&, int, T, const T*, T*)   \
      const;                                                                                      \
  template Irreps<T> Network<T>::layer_backward(const Layer&, const Graph<T>&, int,               \
                                                const Irreps<T>&, std::vector<T>&,                \
                                                typename NetworkGradient<T>::Layer*) const;       \
  template void Network<T>::backward(const Graph<T>&, std::vector<Irreps<T>>, std::vector<T>&,    \
                                     NetworkGradient<T>*) const;                                  \
  template NetworkGradient<T> Network<T>::zero_gradient() const;
LNET_NETWORK_BACKWARD(float)
LNET_NETWORK_BACKWARD(double)
LNET_NETWORK_BACKWARD(Dual<float>)
LNET_NETWORK_BACKWARD(Dual<double>)
#undef LNET_NETWORK_BACKWARD

}  // namespace lnet::infer
