#include "lnet/infer/network.hpp"

#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <type_traits>

#include "lnet/core/error.hpp"
#include "lnet/infer/network_kernels.hpp"
#include "lnet/infer/omp_threads.hpp"

namespace lnet::infer {

using namespace detail;

namespace {

template <class T>
RowMat<T> to_mat(const Matrix& m) {
  RowMat<T> out(m.rows, m.cols);
  for (int r = 0; r < m.rows; ++r)
    for (int c = 0; c < m.cols; ++c) out(r, c) = static_cast<T>(m(r, c));
  return out;
}

template <class T>
std::vector<RowMat<T>> to_mats(const std::vector<Matrix>& ms) {
  std::vector<RowMat<T>> out;
  for (const Matrix& m : ms) out.push_back(to_mat<T>(m));
  return out;
}

}  // namespace

template <class T>
void Graph<T>::finalize() {
  const std::size_t ne = receiver.size();
  if (sender.size() != ne || vectors.size() != 3 * ne ||
      species.size() != static_cast<std::size_t>(num_atoms))
    throw Error("infer::Graph: inconsistent sizes");
  offsets.assign(num_atoms + 1, 0);
  for (std::size_t k = 0; k < ne; ++k) {
    if (receiver[k] < 0 || receiver[k] >= num_atoms || sender[k] < 0 || sender[k] >= num_atoms)
      throw Error("infer::Graph: edge " + std::to_string(k) + " has an atom index out of range");
    if (k > 0 && receiver[k] < receiver[k - 1])
      throw Error("infer::Graph: receivers must be ascending");
    ++offsets[receiver[k] + 1];
  }
  for (int i = 0; i < num_atoms; ++i) offsets[i + 1] += offsets[i];
}

template <class T>
Network<T>::Network(const NetworkWeights& w, const NetworkOptions& options)
    : c_(w.spec.channels),
      nb_(w.spec.num_basis),
      hidden_(w.spec.radial_hidden),
      p_(w.spec.envelope_p),
      num_species_(w.num_species),
      table_(options.radial_table),
      keep_(options.weight_gradients),
      cutoff_(static_cast<T>(w.spec.cutoff)),
      avg_neighbors_(static_cast<T>(w.avg_neighbors)),
      embedding_(to_mat<T>(w.embedding)) {
  auto cg_of = [](int l1, int l2, int l3) {
    std::vector<Cg> out;
    for (const CgEntry& e : coupling(l1, l2, l3))
      out.push_back({e.m1, e.m2, e.m3, static_cast<T>(e.value)});
    return out;
  };
  for (const LayerWeights& lw : w.layers) {
    Layer L;
    L.l_in = lw.l_in;
    L.l_sh = lw.l_sh;
    L.l_out = lw.l_out;
    L.up = to_mats<T>(lw.up);
    L.mix = to_mats<T>(lw.mix);
    L.out = to_mats<T>(lw.out);
    L.skip = to_mats<T>(lw.skip);
    L.radial = to_mats<T>(lw.radial);
    L.product = to_mats<T>(lw.product);
    for (const MessagePath& p : message_paths(L.l_in, L.l_sh))
      L.paths.push_back({p.l1, p.l2, p.l3, cg_of(p.l1, p.l2, p.l3)});
    std::map<std::tuple<int, int, int>, int> pair_index;
    const auto pps = product_paths(L.l_sh, L.l_out, w.spec.correlation);
    if (pps.size() != L.product.size() || L.radial.size() != 4 ||
        L.radial.back().cols() != static_cast<Eigen::Index>(L.paths.size()) * c_)
      throw Error("infer::Network: layer weights do not match the layer's shape");
    for (const ProductPath& p : pps) {
      ProdPath q{p.l, p.order, p.l3, -1, {}};
      if (p.order >= 2) {
        auto key = std::make_tuple(p.l1, p.l2, p.order == 2 ? p.l : p.lk);
        auto it = pair_index.find(key);
        if (it == pair_index.end()) {
          const auto [a, b, k] = key;
          it = pair_index.emplace(key, static_cast<int>(L.pairs.size())).first;
          L.pairs.push_back({a, b, k, cg_of(a, b, k)});
        }
        q.pair = it->second;
      }
      if (p.order == 3) q.cg = cg_of(p.lk, p.l3, p.l);
      L.prod.push_back(std::move(q));
    }
    if (table_ > 0) build_table(L);
    layers_.push_back(std::move(L));
  }
}

template <class T>
Irreps<T> Network<T>::zeros_like_output(int t, int num_atoms) const {
  Irreps<T> out;
  for (int l = 0; l <= layers_[t].l_out; ++l)
    out.push_back(RowMat<T>::Zero(num_atoms * dim(l), c_));
  return out;
}

// Tabulates R(r) and dR/dr of the layer's radial MLP in double, by forward-mode
// differentiation through the basis and the MLP (radial.cpp), at r_k = k rc / n, k = 0..n.
template <class T>
void Network<T>::build_table(Layer& L) const {
  const int n = table_, out = static_cast<int>(L.radial[3].cols());
  const double rc = static_cast<double>(cutoff_), pref = std::sqrt(2 / rc), p = p_;
  const double ca = (p + 1) * (p + 2) / 2, cb = p * (p + 2), cc = p * (p + 1) / 2;
  Eigen::MatrixXd w[4];
  for (int k = 0; k < 4; ++k) w[k] = L.radial[k].template cast<double>();
  L.table.resize(n + 1, 2 * out);
  Eigen::RowVectorXd b(nb_), db(nb_);
  for (int k = 0; k <= n; ++k) {
    const double r = rc * k / n, x = r / rc;
    double env = 0, denv = 0;
    if (x < 1) {
      const double xp = std::pow(x, p), xp1 = x > 0 ? std::pow(x, p - 1) : 0.0;
      env = 1 - ca * xp + cb * xp * x - cc * xp * x * x;
      denv = (-ca * p * xp1 + cb * (p + 1) * xp - cc * (p + 2) * xp * x) / rc;
    }
    for (int m = 0; m < nb_; ++m) {
      const double kn = (m + 1) * M_PI / rc;
      // sin(kr)/r and its derivative, with their limits k and 0 at r = 0.
      const double f = r > 0 ? std::sin(kn * r) / r : kn;
      const double df = r > 0 ? (kn * std::cos(kn * r) - f) / r : 0.0;
      b(m) = pref * f * env;
      db(m) = pref * (df * env + f * denv);
    }
    Eigen::RowVectorXd z = b * w[0], dz = db * w[0];
    for (int layer = 1; layer < 4; ++layer) {
      Eigen::RowVectorXd h(z.size()), dh(z.size());
      for (Eigen::Index q = 0; q < z.size(); ++q) {
        const double s = 1 / (1 + std::exp(-z(q)));
        h(q) = kSiluScale * z(q) * s;
        dh(q) = kSiluScale * s * (1 + z(q) * (1 - s)) * dz(q);
      }
      z = h * w[layer];
      dz = dh * w[layer];
    }
    for (int q = 0; q < out; ++q) {
      L.table(k, q) = static_cast<T>(z(q));
      L.table(k, out + q) = static_cast<T>(dz(q));
    }
  }
}

// Harmonics and radial basis with its r-derivative of edges [e0, e0 + k); with a table, R.
template <class T>
void Network<T>::edge_geometry(const Layer& L, const Graph<T>& g, int e0, int k, Block& b) const {
  b.k = k;
  b.basis.resize(k, nb_);
  b.dbasis.resize(k, nb_);
  b.y.resize(16 * k);
  b.dy.resize(48 * k);
  b.u.resize(3 * k);
  b.len.resize(k);
  using std::cos, std::pow, std::sin, std::sqrt;
  const T pref = sqrt(T(2) / cutoff_), p = static_cast<T>(p_);
  const T ca = (p + 1) * (p + 2) / 2, cb = p * (p + 2), cc = p * (p + 1) / 2;
  for (int e = 0; e < k; ++e) {
    const T* v = &g.vectors[3 * (e0 + e)];
    const T r = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    T* u = &b.u[3 * e];
    for (int a = 0; a < 3; ++a) u[a] = v[a] / r;
    b.len[e] = r;
    spherical_harmonics(u[0], u[1], u[2], L.l_sh, &b.y[16 * e], &b.dy[48 * e]);
    if (table_ > 0) continue;
    const T x = r / cutoff_;
    T env = 0, denv = 0;  // envelope u(x) and du/dr (zero beyond the cutoff, as the reference)
    if (x < 1) {
      const T xp = pow(x, p);
      env = 1 - ca * xp + cb * xp * x - cc * xp * x * x;
      denv = (-ca * p * xp / x + cb * (p + 1) * xp - cc * (p + 2) * xp * x) / cutoff_;
    }
    for (int n = 0; n < nb_; ++n) {
      const T kn = T(n + 1) * T(M_PI) / cutoff_;
      const T s = sin(kn * r), c = cos(kn * r);
      const T f = pref * s / r, df = pref * (kn * c / r - s / (r * r));
      b.basis(e, n) = f * env;
      b.dbasis(e, n) = df * env + f * denv;
    }
  }
  if (table_ > 0) {
    // Cubic Hermite interpolation between the nodes around r (edges lie within the cutoff).
    const int out = static_cast<int>(L.table.cols() / 2);
    b.r.resize(k, out);
    b.dr.resize(k, out);
    const T inv_h = T(table_) / cutoff_;
    for (int e = 0; e < k; ++e) {
      const T s = b.len[e] * inv_h;
      const int node = std::min(static_cast<int>(s), table_ - 1);
      const T t = s - T(node), t2 = t * t, t3 = t2 * t, h = T(1) / inv_h;
      const T h00 = 2 * t3 - 3 * t2 + 1, h10 = (t3 - 2 * t2 + t) * h, h01 = -2 * t3 + 3 * t2,
              h11 = (t3 - t2) * h;
      const T d00 = (6 * t2 - 6 * t) * inv_h, d10 = 3 * t2 - 4 * t + 1, d01 = -d00,
              d11 = 3 * t2 - 2 * t;
      const T *v0 = L.table.data() + static_cast<std::size_t>(node) * 2 * out, *v1 = v0 + 2 * out;
      const T *g0 = v0 + out, *g1 = v1 + out;
      T *rr = b.r.data() + static_cast<std::size_t>(e) * out,
        *dd = b.dr.data() + static_cast<std::size_t>(e) * out;
      for (int q = 0; q < out; ++q) {
        rr[q] = h00 * v0[q] + h10 * g0[q] + h01 * v1[q] + h11 * g1[q];
        dd[q] = d00 * v0[q] + d10 * g0[q] + d01 * v1[q] + d11 * g1[q];
      }
    }
  }
}

// Harmonics, radial basis with its r-derivative, and the radial MLP of the edges of receiver i.
template <class T>
void Network<T>::edge_block(const Layer& L, const Graph<T>& g, int i, Block& b) const {
  edge_geometry(L, g, g.offsets[i], g.offsets[i + 1] - g.offsets[i], b);
  if (table_ > 0) return;
  const T scale = static_cast<T>(kSiluScale);
  auto act = [&](const RowMat<T>& z, RowMat<T>& h) {
    h.resize(z.rows(), z.cols());
    for (Eigen::Index q = 0; q < z.size(); ++q)
      h.data()[q] = z.data()[q] * sigmoid(z.data()[q]) * scale;
  };
  set_product(b.z1, b.basis, L.radial[0]);
  act(b.z1, b.h1);
  set_product(b.z2, b.h1, L.radial[1]);
  act(b.z2, b.h2);
  set_product(b.z3, b.h2, L.radial[2]);
  act(b.z3, b.h3);
  set_product(b.r, b.h3, L.radial[3]);
}

// A_i += sum over the edges of i of R_p(r) * CG(up_j, Y(r)) for every path p.
template <class T>
void Network<T>::messages(const Layer& L, const Graph<T>& g, const RowMat<T>* up, int i,
                          const Block& b, int first, RowMat<T>* a) const {
  const int e0 = g.offsets[i], c = c_, k = g.offsets[i + 1] - e0;
  T gm[7 * 7];
  std::vector<T> tmp(7 * c);
  for (int e = 0; e < k; ++e) {
    const int j = g.sender[e0 + e];
    const T* y = &b.y[16 * (first + e)];
    const T* rrow = b.r.data() + static_cast<std::size_t>(first + e) * b.r.cols();
    for (std::size_t p = 0; p < L.paths.size(); ++p) {
      const MsgPath& mp = L.paths[p];
      const int n1 = dim(mp.l1), n3 = dim(mp.l3);
      coupling_matrix(mp, y, gm);
      const T* rp = rrow + p * c;
      const T* h = up[mp.l1].data() + static_cast<std::size_t>(j) * n1 * c;
      for (int m1 = 0; m1 < n1; ++m1) multiply(c, h + m1 * c, rp, &tmp[m1 * c]);
      T* out = a[mp.l3].data() + static_cast<std::size_t>(i) * n3 * c;
      for (int m1 = 0; m1 < n1; ++m1)
        for (int m3 = 0; m3 < n3; ++m3) {
          const T w = gm[m1 * n3 + m3];
          if (w != T(0)) axpy(c, w, &tmp[m1 * c], out + m3 * c);
        }
    }
  }
}

template <class T>
Irreps<T> Network<T>::layer_forward(const Layer& L, const Graph<T>& g, int t) {
  const int n = g.num_atoms, c = c_;
  const Irreps<T>& h = h_[t];
  Irreps<T>& up = up_[t];
  up.assign(L.l_in + 1, RowMat<T>());
  for (int l = 0; l <= L.l_in; ++l) set_product(up[l], h[l], L.up[l]);
  Irreps<T> acc(L.l_sh + 1);
  for (int l = 0; l <= L.l_sh; ++l) acc[l] = RowMat<T>::Zero(n * dim(l), c);
  if (!cache_.empty()) {
    // Training, one structure per thread: the radial MLP of all edges at once, kept.
    EdgeCache& ec = *cache_[t];
    edge_geometry(L, g, 0, static_cast<int>(g.num_edges()), ec.b);
    ec.radial.clear();
    for (const RowMat<T>& w : L.radial) ec.radial.push_back(split(w).v);
    ec.mlp.forward(ec.radial, split(ec.b.basis));
    merge(ec.b.r, ec.mlp.output());
    for (int i = 0; i < n; ++i)
      if (g.offsets[i + 1] > g.offsets[i])
        messages(L, g, up.data(), i, ec.b, g.offsets[i], acc.data());
  } else {
#pragma omp parallel
    {
      Block b;  // per-thread scratch; each receiver writes only its own A_i
#pragma omp for schedule(dynamic, 16)
      for (int i = 0; i < n; ++i) {
        if (g.offsets[i + 1] == g.offsets[i]) continue;
        edge_block(L, g, i, b);
        messages(L, g, up.data(), i, b, 0, acc.data());
      }
    }
  }
  Irreps<T>& a = a_[t];
  a.assign(L.l_sh + 1, RowMat<T>());
  if (keep_) {
    mix_in_[t].assign(L.l_sh + 1, RowMat<T>());
    for (int l = 0; l <= L.l_sh; ++l) {
      mix_in_[t][l] = acc[l] / avg_neighbors_;
      set_product(a[l], mix_in_[t][l], L.mix[l]);
    }
  } else {
    for (int l = 0; l <= L.l_sh; ++l) set_product(a[l], acc[l] / avg_neighbors_, L.mix[l]);
  }
  Irreps<T> prod(L.l_out + 1);
  for (int l = 0; l <= L.l_out; ++l) prod[l] = RowMat<T>::Zero(n * dim(l), c);
    // The product basis is a polynomial in A without constant term: zero for an atom that
    // receives no messages (e.g. a ghost atom that is only a sender).
#pragma omp parallel for schedule(static)
  for (int i = 0; i < n; ++i) {
    if (g.offsets[i + 1] == g.offsets[i]) continue;
    const T* ap[kMaxL + 1];
    T* op[kMaxL + 1];
    for (int l = 0; l <= L.l_sh; ++l)
      ap[l] = a[l].data() + static_cast<std::size_t>(i) * dim(l) * c;
    for (int l = 0; l <= L.l_out; ++l)
      op[l] = prod[l].data() + static_cast<std::size_t>(i) * dim(l) * c;
    product_forward(L, g.species[i], ap, op);
  }
  Irreps<T> out(L.l_out + 1);
  if (keep_) prod_[t] = prod;
  for (int l = 0; l <= L.l_out; ++l) {
    set_product(out[l], prod[l], L.out[l]);
    if (l <= std::min(L.l_in, L.l_out)) add_product(out[l], h[l], L.skip[l]);
  }
  return out;
}

template <class T>
const std::vector<Irreps<T>>& Network<T>::forward(const Graph<T>& g) {
  const int n = g.num_atoms, nl = num_layers();
  for (int i = 0; i < n; ++i)
    if (g.species[i] < 0 || g.species[i] >= num_species_)
      throw Error("infer::Network: species index " + std::to_string(g.species[i]) +
                  " out of range");
  if (static_cast<int>(g.offsets.size()) != n + 1)
    throw Error("infer::Network: graph not finalized");
  h_.assign(nl, {});
  up_.assign(nl, {});
  a_.assign(nl, {});
  features_.assign(nl, {});
  mix_in_.assign(keep_ ? nl : 0, {});
  prod_.assign(keep_ ? nl : 0, {});
  // The caches are kept between structures: their buffers are reused.
  cache_.resize(keep_ && table_ == 0 ? nl : 0);
  for (auto& c : cache_)
    if (!c) c = std::make_shared<EdgeCache>();
  RowMat<T> h0(n, c_);
  for (int i = 0; i < n; ++i) h0.row(i) = embedding_.row(g.species[i]);
  h_[0] = {h0};
  for (int t = 0; t < nl; ++t) {
    features_[t] = layer_forward(layers_[t], g, t);
    if (t + 1 < nl) h_[t + 1] = features_[t];
  }
  return features_;
}

template struct Graph<float>;
template struct Graph<double>;
template struct Graph<Dual<float>>;
template struct Graph<Dual<double>>;
template class Network<float>;
template class Network<double>;
template class Network<Dual<float>>;
template class Network<Dual<double>>;

}  // namespace lnet::infer
