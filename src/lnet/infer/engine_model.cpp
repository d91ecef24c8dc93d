#include "lnet/infer/engine_model.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "lnet/core/error.hpp"

namespace lnet::infer {

namespace {

double silu(double z) { return z / (1 + std::exp(-z)); }
double silu_grad(double z) {
  const double s = 1 / (1 + std::exp(-z));
  return s * (1 + z * (1 - s));
}

Vec3 edge_vector(const NeighborList& nl, std::size_t k, const std::vector<Vec3>& positions,
                 const Mat3& cell) {
  const auto& n = nl.shifts[k];
  return positions[nl.second[k]] - positions[nl.first[k]] +
         (n[0] * cell.row(0) + n[1] * cell.row(1) + n[2] * cell.row(2)).transpose();
}

// Forces and X = sum_e r_e ⊗ dE/dr_e from the edge gradients of one graph; with `atom_w`, each
// edge's virial -sym(r_e ⊗ dE/dr_e) in halves to its two atoms.
template <class T>
void scatter(const NeighborList& nl, const std::vector<Vec3>& positions, const Mat3& cell,
             const std::vector<T>& edge_grad, std::vector<Vec3>& forces, Mat3& x,
             std::vector<Mat3>* atom_w) {
  for (std::size_t k = 0; k < nl.size(); ++k) {
    const Vec3 g(edge_grad[3 * k], edge_grad[3 * k + 1], edge_grad[3 * k + 2]);
    forces[nl.first[k]] += g;  // dE/dr_i = -g
    forces[nl.second[k]] -= g;
    const Mat3 rg = edge_vector(nl, k, positions, cell) * g.transpose();
    x += rg;
    if (atom_w) {
      const Mat3 half = -0.25 * (rg + rg.transpose());
      (*atom_w)[nl.first[k]] += half;
      (*atom_w)[nl.second[k]] += half;
    }
  }
}

// x · w for a [C, 1] readout weight.
template <class T>
double dot(const T* x, const Matrix& w) {
  double s = 0;
  for (int c = 0; c < w.rows; ++c) s += static_cast<double>(x[c]) * w.data[c];
  return s;
}

}  // namespace

template <class S>
Graph<S> make_graph(const NeighborList& nl, const std::vector<int>& species,
                    const std::vector<Vec3>& positions, const Mat3& cell,
                    const std::vector<Vec3>& dr, const Mat3& strain) {
  Graph<S> g;
  g.num_atoms = static_cast<int>(positions.size());
  g.species = species;
  g.receiver = nl.first;
  g.sender = nl.second;
  g.vectors.resize(3 * nl.size());
  for (std::size_t k = 0; k < nl.size(); ++k) {
    const Vec3 r = edge_vector(nl, k, positions, cell);
    if constexpr (std::is_arithmetic_v<S>) {
      for (int a = 0; a < 3; ++a) g.vectors[3 * k + a] = static_cast<S>(r(a));
    } else {
      using T = decltype(S::v);
      const int i = nl.first[k], j = nl.second[k];
      const Vec3 t = (dr.empty() ? Vec3::Zero() : Vec3(dr[j] - dr[i])) + strain * r;
      for (int a = 0; a < 3; ++a)
        g.vectors[3 * k + a] = S(static_cast<T>(r(a)), static_cast<T>(t(a)));
    }
  }
  g.finalize();
  return g;
}

template <class T>
EngineModel<T>::EngineModel(const ModelWeights& w, const NetworkOptions& options) : w_(w) {
  a_ = std::make_unique<Network<T>>(w.a.net, options);
  if (w.long_range) b_ = std::make_unique<Network<T>>(w.b.net, options);
}

template <class T>
EngineModel<T>::~EngineModel() = default;

template <class T>
Output EngineModel<T>::evaluate(const Input& in, const ElectrostaticsFn& es) {
  const int n = static_cast<int>(in.positions.size());
  if (static_cast<int>(in.species.size()) != n || !in.edges_a)
    throw Error("infer::EngineModel: species, positions and network A's pairs are required");
  if (w_.long_range && !in.edges_b) throw Error("infer::EngineModel: network B's pairs required");
  const int nloc = in.num_local < 0 ? n : in.num_local;
  if (nloc > n) throw Error("infer::EngineModel: more local atoms than atoms");
  const std::vector<Vec3>& rm = in.dipole_positions ? *in.dipole_positions : in.positions;
  if (static_cast<int>(rm.size()) < nloc)
    throw Error("infer::EngineModel: dipole positions missing");
  const bool grads = in.forces || in.virial || in.atom_virials;
  Output out;
  std::vector<Mat3>* atom_w = nullptr;
  if (in.atom_virials) {
    out.atom_virials.assign(n, Mat3::Zero());
    atom_w = &out.atom_virials;
  }
  Mat3 x = Mat3::Zero();  // sum over edges of r ⊗ dE/dr
  out.forces.assign(n, Vec3::Zero());

  // Network A and its readouts (ShortRangeNetworkImpl::forward).
  const ShortRangeWeights& sw = w_.a;
  Graph<T> ga = make_graph<T>(*in.edges_a, in.species, in.positions, in.cell);
  const std::vector<Irreps<T>>& fa = a_->forward(ga);
  const int na = a_->num_layers(), ca = a_->channels(), nh = sw.mlp1.cols;
  std::vector<Irreps<T>> da(na);
  for (int t = 0; t < na; ++t) da[t].push_back(RowMat<T>::Zero(n, ca));
  out.atom_energies.assign(n, 0.0);
  std::vector<double> z(nh);
  for (int i = 0; i < nloc; ++i) {
    double e = 0;
    for (int t = 0; t + 1 < na; ++t) {
      e += dot(fa[t][0].data() + static_cast<std::size_t>(i) * ca, sw.linear[t]);
      for (int c = 0; c < ca; ++c) da[t][0](i, c) = static_cast<T>(sw.scale * sw.linear[t].data[c]);
    }
    const T* h = fa[na - 1][0].data() + static_cast<std::size_t>(i) * ca;
    for (int k = 0; k < nh; ++k) {
      z[k] = 0;
      for (int c = 0; c < ca; ++c) z[k] += static_cast<double>(h[c]) * sw.mlp1(c, k);
      e += silu(z[k]) * sw.mlp2.data[k];
    }
    for (int c = 0; c < ca; ++c) {
      double g = 0;
      for (int k = 0; k < nh; ++k) g += sw.mlp2.data[k] * silu_grad(z[k]) * sw.mlp1(c, k);
      da[na - 1][0](i, c) = static_cast<T>(sw.scale * g);
    }
    out.atom_energies[i] = sw.e0.at(in.species[i]) + sw.scale * e;
    out.energy += out.atom_energies[i];
  }
  if (grads) {
    std::vector<T> ea;
    a_->backward(ga, std::move(da), ea);
    scatter(*in.edges_a, in.positions, in.cell, ea, out.forces, x, atom_w);
  }

  if (w_.long_range) {
    const PolarizationWeights& pw = w_.b;
    const NeighborList& nl = *in.edges_b;
    Graph<T> gb = make_graph<T>(nl, in.species, in.positions, in.cell);
    const std::vector<Irreps<T>>& fb = b_->forward(gb);
    const int nbl = b_->num_layers(), cb = b_->channels();
    // Readouts (PolarizationNetworkImpl::forward): s_i from l = 0, mu_i from l = 1.
    std::vector<int> dipole_of(nbl, -1);
    for (int t = 0, k = 0; t < nbl; ++t)
      if (pw.net.layers[t].l_out >= 1 && k < static_cast<int>(pw.dipole.size())) dipole_of[t] = k++;
    std::vector<double> s(n, 0.0);
    std::vector<Vec3> mu(n, Vec3::Zero());
    for (int i = 0; i < n; ++i)
      for (int t = 0; t < nbl; ++t) {
        s[i] += dot(fb[t][0].data() + static_cast<std::size_t>(i) * cb, pw.charge[t]);
        if (dipole_of[t] >= 0)
          for (int m = 0; m < 3; ++m)
            mu[i](m) += dot(fb[t][1].data() + static_cast<std::size_t>(3 * i + m) * cb,
                            pw.dipole[dipole_of[t]]);
      }
    // Charges: nominal plus transfers t_ij = (s_j - s_i) w(r_ij) (model/potential.cpp, long_range).
    std::vector<double> q(n);
    Vec3 m = Vec3::Zero();
    std::vector<Vec3> m_atom(nloc);  // each local site's part of M, for its field energy
    for (int i = 0; i < n; ++i) {
      q[i] = w_.q0.at(in.species[i]);
      if (i < nloc) {
        m_atom[i] = q[i] * rm[i] + mu[i];
        m += m_atom[i];
      }
    }
    const double rcb = pw.net.spec.cutoff;
    std::vector<double> tr, sw_w, sw_dw;  // per edge: transfer, switch, d switch / dr
    if (w_.learn_charges) {
      tr.resize(nl.size());
      sw_w.resize(nl.size());
      sw_dw.resize(nl.size());
      for (std::size_t k = 0; k < nl.size(); ++k) {
        const Vec3 r = edge_vector(nl, k, in.positions, in.cell);
        const double xr = r.norm() / rcb;
        sw_w[k] = 1 - xr * xr * xr * (10 - 15 * xr + 6 * xr * xr);
        sw_dw[k] = -30 * xr * xr * (1 - 2 * xr + xr * xr) / rcb;
        tr[k] = (s[nl.second[k]] - s[nl.first[k]]) * sw_w[k];
        q[nl.first[k]] += tr[k];
        if (nl.first[k] < nloc) {
          m -= 0.5 * tr[k] * r;
          m_atom[nl.first[k]] -= 0.5 * tr[k] * r;
        }
      }
    }
    const ElectrostaticsResult er = es(q, mu);
    const double inv = 1.0 / w_.epsilon_s;
    out.energy += er.energy * inv - in.efield.dot(m);
    for (int i = 0; i < nloc; ++i)
      out.atom_energies[i] +=
          0.5 * (q[i] * er.potential[i] - mu[i].dot(er.field[i])) * inv - in.efield.dot(m_atom[i]);
    out.charges = q;
    out.dipoles = mu;
    out.dipole = m;
    if (grads) {
      // dE/dmu_i = -field_i / eps_s - E; dE/dq_i = potential_i / eps_s.
      std::vector<double> ds(n, 0.0);
      std::vector<T> eb(3 * nl.size(), T(0));
      if (w_.learn_charges)
        for (std::size_t k = 0; k < nl.size(); ++k) {
          const int i = nl.first[k], j = nl.second[k];
          if (i >= nloc) continue;  // a ghost's charge is its owner's to differentiate
          const Vec3 r = edge_vector(nl, k, in.positions, in.cell);
          const double gt = er.potential[i] * inv + 0.5 * in.efield.dot(r);
          ds[j] += gt * sw_w[k];
          ds[i] -= gt * sw_w[k];
          const Vec3 ge = gt * (s[j] - s[i]) * sw_dw[k] * r / r.norm() + 0.5 * tr[k] * in.efield;
          for (int a = 0; a < 3; ++a) eb[3 * k + a] += static_cast<T>(ge(a));
        }
      std::vector<Irreps<T>> db(nbl);
      for (int t = 0; t < nbl; ++t) {
        db[t] = b_->zeros_like_output(t, n);
        for (int i = 0; i < n; ++i) {
          const Vec3 dmu = i < nloc ? Vec3(-er.field[i] * inv - in.efield) : Vec3::Zero();
          for (int c = 0; c < cb; ++c) {
            db[t][0](i, c) = static_cast<T>(ds[i] * pw.charge[t].data[c]);
            if (dipole_of[t] >= 0)
              for (int a = 0; a < 3; ++a)
                db[t][1](3 * i + a, c) = static_cast<T>(dmu(a) * pw.dipole[dipole_of[t]].data[c]);
          }
        }
      }
      b_->backward(gb, std::move(db), eb);
      scatter(nl, in.positions, in.cell, eb, out.forces, x, atom_w);
      Mat3 xq = Mat3::Zero();  // field coupling of the nominal charges: -E · sum q0 r
      for (int i = 0; i < n; ++i) out.forces[i] += er.forces[i] * inv;
      for (int i = 0; i < nloc; ++i) {
        const double q0 = w_.q0.at(in.species[i]);
        out.forces[i] += q0 * in.efield;
        const Mat3 xi = q0 * rm[i] * in.efield.transpose();
        xq += xi;
        if (atom_w) (*atom_w)[i] += 0.5 * (xi + xi.transpose());
      }
      x -= xq;  // X collects r ⊗ dE/dr; dE/dr_i of -E·q0 r_i is -q0 E
      if (in.virial) out.virial = er.virial * inv;
      if (atom_w) {
        // The solver gives only the total virial at fixed sites: equal shares of the local
        // atoms (of all atoms on a process without local ones, for their owners to collect).
        const int share = nloc > 0 ? nloc : n;
        for (int i = 0; i < share; ++i) (*atom_w)[i] += er.virial * (inv / share);
      }
    }
  }
  if (in.virial) {
    const Mat3 w = -0.5 * (x + x.transpose());
    out.virial = out.virial ? Mat3(*out.virial + w) : w;
  }
  if (!in.forces) out.forces.clear();
  return out;
}

template <class T>
std::array<double, 2> EngineModel<T>::receiver_reach() const {
  const auto layers = [](const NetworkWeights& n) { return static_cast<double>(n.layers.size()); };
  std::array<double, 2> r{(layers(w_.a.net) - 1) * w_.a.net.spec.cutoff, 0.0};
  if (w_.long_range) r[1] = (layers(w_.b.net) - (w_.learn_charges ? 0 : 1)) * w_.b.net.spec.cutoff;
  return r;
}

template <class T>
double EngineModel<T>::ghost_cutoff() const {
  const std::array<double, 2> r = receiver_reach();
  double g = r[0] + w_.a.net.spec.cutoff;
  if (w_.long_range) g = std::max(g, r[1] + w_.b.net.spec.cutoff);
  return g;
}

#define LNET_MAKE_GRAPH(S)                                                                         \
  template Graph<S> make_graph<S>(const NeighborList&, const std::vector<int>&,                    \
                                  const std::vector<Vec3>&, const Mat3&, const std::vector<Vec3>&, \
                                  const Mat3&);
LNET_MAKE_GRAPH(float)
LNET_MAKE_GRAPH(double)
LNET_MAKE_GRAPH(Dual<float>)
LNET_MAKE_GRAPH(Dual<double>)
#undef LNET_MAKE_GRAPH
template class EngineModel<float>;
template class EngineModel<double>;

}  // namespace lnet::infer
