// The symmetric product basis of MACE per atom (nn::ProductBasisImpl, Batatia et al. 2022,
// eqs. 10-11) and its reverse pass, for the engine's Network.
#include <vector>

#include "lnet/infer/network.hpp"

namespace lnet::infer {

namespace {
int dim(int l) { return 2 * l + 1; }
}  // namespace

// Channel-wise coupled products (nn::channelwise_product) per atom, pair[k][m3] += v x[m1] y[m2],
// for the intermediate couplings (l1, l2) -> lk of the correlation-3 paths; the reverse pass
// recomputes them rather than keeping them per atom.
template <class T>
std::vector<std::vector<T>> Network<T>::coupled_pairs(const Layer& L, const T* const* a) const {
  const int c = c_;
  std::vector<std::vector<T>> pair(L.pairs.size());
  for (std::size_t k = 0; k < L.pairs.size(); ++k) {
    const Pair& pr = L.pairs[k];
    pair[k].assign(dim(pr.lk) * c, T(0));
    for (const Cg& q : pr.cg) {
      const T *x = a[pr.l1] + q.m1 * c, *y = a[pr.l2] + q.m2 * c;
      T* o = &pair[k][q.m3 * c];
      for (int ch = 0; ch < c; ++ch) o[ch] += q.v * x[ch] * y[ch];
    }
  }
  return pair;
}

template <class T>
void Network<T>::product_forward(const Layer& L, int s, const T* const* a, T* const* out) const {
  const int c = c_;
  const std::vector<std::vector<T>> pair = coupled_pairs(L, a);
  for (std::size_t k = 0; k < L.prod.size(); ++k) {
    const ProdPath& pp = L.prod[k];
    const T* w = L.product[k].data() + static_cast<std::size_t>(s) * c;
    T* o = out[pp.l];
    if (pp.order == 1) {
      const T* x = a[pp.l];
      for (int m = 0; m < dim(pp.l); ++m)
        for (int ch = 0; ch < c; ++ch) o[m * c + ch] += w[ch] * x[m * c + ch];
    } else if (pp.order == 2) {
      const T* x = pair[pp.pair].data();
      for (int m = 0; m < dim(pp.l); ++m)
        for (int ch = 0; ch < c; ++ch) o[m * c + ch] += w[ch] * x[m * c + ch];
    } else {
      const T* x = pair[pp.pair].data();
      for (const Cg& q : pp.cg) {
        const T *xa = x + q.m1 * c, *y = a[pp.l3] + q.m2 * c;
        T* oo = o + q.m3 * c;
        for (int ch = 0; ch < c; ++ch) oo[ch] += q.v * w[ch] * xa[ch] * y[ch];
      }
    }
  }
}

template <class T>
void Network<T>::product_backward(const Layer& L, int s, const T* const* a, const T* const* db,
                                  T* const* da, T* const* dw) const {
  const int c = c_;
  const std::vector<std::vector<T>> pair = coupled_pairs(L, a);
  std::vector<std::vector<T>> dpair(L.pairs.size());
  for (std::size_t k = 0; k < L.pairs.size(); ++k) dpair[k].assign(dim(L.pairs[k].lk) * c, T(0));
  for (std::size_t k = 0; k < L.prod.size(); ++k) {
    const ProdPath& pp = L.prod[k];
    const T* w = L.product[k].data() + static_cast<std::size_t>(s) * c;
    const T* d = db[pp.l];
    if (pp.order == 1 || pp.order == 2) {
      T* o = pp.order == 1 ? da[pp.l] : dpair[pp.pair].data();
      for (int m = 0; m < dim(pp.l); ++m)
        for (int ch = 0; ch < c; ++ch) o[m * c + ch] += w[ch] * d[m * c + ch];
      if (dw) {
        const T* x = pp.order == 1 ? a[pp.l] : pair[pp.pair].data();
        for (int m = 0; m < dim(pp.l); ++m)
          for (int ch = 0; ch < c; ++ch) dw[k][ch] += d[m * c + ch] * x[m * c + ch];
      }
    } else {
      const T* x = pair[pp.pair].data();
      T* dx = dpair[pp.pair].data();
      for (const Cg& q : pp.cg) {
        const T *xa = x + q.m1 * c, *y = a[pp.l3] + q.m2 * c, *dd = d + q.m3 * c;
        T *dxa = dx + q.m1 * c, *dy = da[pp.l3] + q.m2 * c;
        for (int ch = 0; ch < c; ++ch) {
          const T t = q.v * w[ch] * dd[ch];
          dxa[ch] += t * y[ch];
          dy[ch] += t * xa[ch];
        }
        if (dw)
          for (int ch = 0; ch < c; ++ch) dw[k][ch] += q.v * dd[ch] * xa[ch] * y[ch];
      }
    }
  }
  for (std::size_t k = 0; k < L.pairs.size(); ++k) {
    const Pair& pr = L.pairs[k];
    for (const Cg& q : pr.cg) {
      const T *x = a[pr.l1] + q.m1 * c, *y = a[pr.l2] + q.m2 * c, *d = &dpair[k][q.m3 * c];
      T *dx = da[pr.l1] + q.m1 * c, *dy = da[pr.l2] + q.m2 * c;
      for (int ch = 0; ch < c; ++ch) {
        const T t = q.v * d[ch];
        dx[ch] += t * y[ch];
        dy[ch] += t * x[ch];
      }
    }
  }
}

// The members defined here, for every scalar the engine is instantiated on (network.cpp).
#define LNET_PRODUCT_BASIS(T)                                                                     \
  template void Network<T>::product_forward(const Layer&, int, const T* const*, T* const*) const; \
  template void Network<T>::product_backward(const Layer&, int, const T* const*, const T* const*, \
                                             T* const*, T* const*) const;                         \
  template std::vector<std::vector<T>> Network<T>::coupled_pairs(const Layer&, const T* const*)   \
      const;
LNET_PRODUCT_BASIS(float)
LNET_PRODUCT_BASIS(double)
LNET_PRODUCT_BASIS(Dual<float>)
LNET_PRODUCT_BASIS(Dual<double>)
#undef LNET_PRODUCT_BASIS

}  // namespace lnet::infer
