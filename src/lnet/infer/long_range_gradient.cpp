#include "lnet/infer/long_range_gradient.hpp"

#include <cmath>
#include <type_traits>

#include "lnet/core/error.hpp"
#include "lnet/infer/omp_threads.hpp"
#include "lnet/infer/weight_gradient.hpp"

namespace lnet::infer {

namespace {

using namespace gradient_detail;

// value + tangent ε on S (a plain number keeps the value only).
template <class S, class T>
S dual_of(double value, double tangent) {
  if constexpr (std::is_same_v<S, T>)
    return static_cast<T>(value);
  else
    return S(static_cast<T>(value), static_cast<T>(tangent));
}

template <class S>
using V3 = std::array<S, 3>;

template <class N>
struct ScalarOf;
template <class S>
struct ScalarOf<Network<S>> {
  using type = S;
};

}  // namespace

PolarizationWeights zero_gradient(const PolarizationWeights& w) {
  PolarizationWeights g = w;
  g.net = gradient_detail::zero_gradient(w.net);
  g.charge = zeros(w.charge);
  g.dipole = zeros(w.dipole);
  return g;
}

void add_gradient(PolarizationWeights& sum, const PolarizationWeights& part) {
  gradient_detail::add_gradient(sum.net, part.net);
  add(sum.charge, part.charge);
  add(sum.dipole, part.dipole);
}

// Network B's forward pass on S with its readouts and charges, kept for the reverse passes.
template <class T>
template <class S>
struct LongRangeGradient<T>::Pass {
  Network<S>* net = nullptr;
  const NeighborList* pairs = nullptr;
  Graph<S> graph;
  const std::vector<Irreps<S>>* features = nullptr;  // net's, until its next forward()
  std::vector<int> dipole_of;                        // readout of layer t's l = 1 part, or -1
  std::vector<S> s, q;
  std::vector<V3<S>> mu;
  std::vector<S> length, w, dw, t;  // per bond (learned charges): |r|, switch, its slope, transfer
};

template <class T>
LongRangeGradient<T>::LongRangeGradient(const ModelWeights& w) : w_(w) {
  if (!w.long_range) throw Error("infer::LongRangeGradient: a long-range model is required");
  NetworkOptions o;
  o.weight_gradients = true;
  plain_ = std::make_unique<Network<T>>(w.b.net, o);
  tangent_ = std::make_unique<Network<Dual<T>>>(w.b.net, o);
}

template <class T>
LongRangeGradient<T>::~LongRangeGradient() = default;

template <class T>
template <class S>
auto LongRangeGradient<T>::forward(Network<S>& net, const Input& in, const std::vector<Vec3>& dr,
                                   const Mat3& strain) const -> Pass<S> {
  using std::sqrt;
  const std::size_t n = in.positions.size();
  if (!in.edges_b || in.species.size() != n || (in.num_local >= 0 && in.num_local != int(n)))
    throw Error(
        "infer::LongRangeGradient: species, positions and network B's pairs of one structure "
        "(no ghost atoms) are required");
  const NeighborList& nl = *in.edges_b;
  const PolarizationWeights& pw = w_.b;
  Pass<S> p;
  p.net = &net;
  p.pairs = &nl;
  p.graph = make_graph<S>(nl, in.species, in.positions, in.cell, dr, strain);
  const Graph<S>& g = p.graph;
  p.features = &net.forward(g);
  const std::vector<Irreps<S>>& f = *p.features;

  // Readouts (PolarizationNetworkImpl::forward): s_i from l = 0, mu_i from l = 1.
  const int nt = net.num_layers(), ch = net.channels();
  p.dipole_of.assign(nt, -1);
  for (int t = 0, k = 0; t < nt; ++t)
    if (pw.net.layers[t].l_out >= 1 && k < static_cast<int>(pw.dipole.size())) p.dipole_of[t] = k++;
  p.s.assign(n, S(0));
  p.mu.assign(n, {S(0), S(0), S(0)});
  for (int i = 0; i < static_cast<int>(n); ++i)
    for (int t = 0; t < nt; ++t)
      for (int c = 0; c < ch; ++c) {
        p.s[i] += f[t][0](i, c) * S(pw.charge[t].data[c]);
        if (p.dipole_of[t] >= 0)
          for (int m = 0; m < 3; ++m)
            p.mu[i][m] += f[t][1](3 * i + m, c) * S(pw.dipole[p.dipole_of[t]].data[c]);
      }
  p.q.resize(n);
  for (std::size_t i = 0; i < n; ++i) p.q[i] = S(w_.q0.at(in.species[i]));
  if (w_.learn_charges) {
    // t_k = (s_j - s_i) w(|r_k|), w the C2 switch of model/potential.cpp.
    const double rc = pw.net.spec.cutoff;
    p.length.resize(nl.size());
    p.w.resize(nl.size());
    p.dw.resize(nl.size());
    p.t.resize(nl.size());
    for (std::size_t k = 0; k < nl.size(); ++k) {
      const S* r = g.vectors.data() + 3 * k;
      p.length[k] = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
      const S x = p.length[k] / S(rc);
      p.w[k] = S(1) - x * x * x * (S(10) - S(15) * x + S(6) * x * x);
      p.dw[k] = S(-30) * x * x * (S(1) - S(2) * x + x * x) / S(rc);
      p.t[k] = (p.s[nl.second[k]] - p.s[nl.first[k]]) * p.w[k];
      p.q[nl.first[k]] += p.t[k];
    }
  }
  return p;
}

template <class T>
template <class S>
void LongRangeGradient<T>::backward(Pass<S>& p, const std::vector<S>& dq,
                                    const std::vector<V3<S>>& dmu, const Vec3& a, double seed,
                                    PolarizationWeights* grad, std::vector<Vec3>* dr) const {
  const NeighborList& nl = *p.pairs;
  const PolarizationWeights& pw = w_.b;
  const std::size_t n = p.s.size();
  std::vector<S> ds(n, S(0)), edge(3 * nl.size(), S(0));
  if (w_.learn_charges)
    for (std::size_t k = 0; k < nl.size(); ++k) {
      // dJ/dt_k: t_k adds to q_i and -1/2 t_k r_k to M.
      const int i = nl.first[k], j = nl.second[k];
      const S* r = p.graph.vectors.data() + 3 * k;
      const S gt = dq[i] - S(0.5) * (S(a(0)) * r[0] + S(a(1)) * r[1] + S(a(2)) * r[2]);
      ds[j] += gt * p.w[k];
      ds[i] -= gt * p.w[k];
      const S radial = gt * (p.s[j] - p.s[i]) * p.dw[k] / p.length[k];
      for (int m = 0; m < 3; ++m) edge[3 * k + m] += radial * r[m] - S(0.5) * p.t[k] * S(a(m));
    }
  const std::vector<Irreps<S>>& f = *p.features;
  const int nt = p.net->num_layers(), ch = p.net->channels();
  std::vector<Irreps<S>> df(nt);
  std::vector<std::vector<S>> dcharge(nt, std::vector<S>(ch, S(0)));
  std::vector<std::vector<S>> ddipole(pw.dipole.size(), std::vector<S>(ch, S(0)));
  for (int t = 0; t < nt; ++t) {
    df[t] = p.net->zeros_like_output(t, static_cast<int>(n));
    const int k = p.dipole_of[t];
    for (int i = 0; i < static_cast<int>(n); ++i)
      for (int c = 0; c < ch; ++c) {
        df[t][0](i, c) = ds[i] * S(pw.charge[t].data[c]);
        dcharge[t][c] += ds[i] * f[t][0](i, c);
        if (k >= 0)
          for (int m = 0; m < 3; ++m) {
            df[t][1](3 * i + m, c) = dmu[i][m] * S(pw.dipole[k].data[c]);
            ddipole[k][c] += dmu[i][m] * f[t][1](3 * i + m, c);
          }
      }
  }
  NetworkGradient<S> wg;
  if (grad) wg = p.net->zero_gradient();
  p.net->backward(p.graph, std::move(df), edge, grad ? &wg : nullptr);
  if (grad) {
    fold(wg, seed, grad->net);
    for (int t = 0; t < nt; ++t) fold(dcharge[t].data(), seed, grad->charge[t]);
    for (std::size_t k = 0; k < ddipole.size(); ++k) fold(ddipole[k].data(), seed, grad->dipole[k]);
  }
  if (dr) {
    dr->assign(n, Vec3::Zero());
    for (std::size_t k = 0; k < nl.size(); ++k) {
      const Vec3 e(static_cast<double>(value_of(edge[3 * k])),
                   static_cast<double>(value_of(edge[3 * k + 1])),
                   static_cast<double>(value_of(edge[3 * k + 2])));
      (*dr)[nl.second[k]] += e;  // r_k = r_j - r_i + shift
      (*dr)[nl.first[k]] -= e;
    }
  }
}

template <class T>
std::vector<Mat3> LongRangeGradient<T>::born_charges(const Input& in) {
  Pass<T> p = forward(*plain_, in, {});
  const std::size_t n = in.positions.size();
  std::vector<Mat3> z(n, Mat3::Zero());
  const std::vector<T> dq(n, T(0));
  std::vector<Vec3> row;
  for (int a = 0; a < 3; ++a) {
    std::vector<V3<T>> dmu(n, {T(0), T(0), T(0)});
    for (auto& d : dmu) d[a] = T(1);
    backward(p, dq, dmu, Vec3::Unit(a), 0.0, nullptr, &row);
    for (std::size_t i = 0; i < n; ++i) {
      z[i].row(a) = row[i].transpose();
      z[i](a, a) += w_.q0.at(in.species[i]);  // M's q0_i r_i
    }
  }
  return z;
}

template <class T>
void LongRangeGradient<T>::add(const Input& in, const LongRangeSeeds& seeds,
                               const ElectrostaticsTangentFn& es, PolarizationWeights& grad) {
  const std::size_t n = in.positions.size();
  if ((!seeds.forces.empty() && seeds.forces.size() != n) ||
      (!seeds.bec.empty() && seeds.bec.size() != n))
    throw Error("infer::LongRangeGradient: one force and Born-charge seed per atom required");
  const double inv = 1.0 / w_.epsilon_s;
  // J = E along -dL/dF and the strain -sym(dL/dW) (W = -dE/d(strain)): the adjoints of q and mu
  // are the site potentials and fields (and the field coupling -E·M), with their tangents along
  // the direction.
  const Mat3 strain = -0.5 * (seeds.virial + seeds.virial.transpose());
  auto energy_term = [&](auto& net) {
    using S = typename ScalarOf<std::decay_t<decltype(net)>>::type;
    std::vector<Vec3> dr;
    for (const Vec3& f : seeds.forces) dr.push_back(-f);
    Pass<S> p = forward(net, in, dr, strain);
    std::vector<double> qv(n), qd(n);
    std::vector<Vec3> mv(n), md(n);
    for (std::size_t i = 0; i < n; ++i) {
      qv[i] = static_cast<double>(value_of(p.q[i]));
      qd[i] = static_cast<double>(tangent_of(p.q[i]));
      for (int m = 0; m < 3; ++m) {
        mv[i](m) = static_cast<double>(value_of(p.mu[i][m]));
        md[i](m) = static_cast<double>(tangent_of(p.mu[i][m]));
      }
    }
    if (dr.empty() && strain.isZero(0)) {
      qd.clear();
      md.clear();
    }
    const ElectrostaticsTangent e = es(qv, mv, qd, md, dr, strain);
    const bool tangents = !e.potential_tangent.empty();
    std::vector<S> dq(n);
    std::vector<V3<S>> dmu(n);
    for (std::size_t i = 0; i < n; ++i) {
      dq[i] = dual_of<S, T>(e.potential[i] * inv, tangents ? e.potential_tangent[i] * inv : 0.0);
      for (int m = 0; m < 3; ++m)
        dmu[i][m] = dual_of<S, T>(-e.field[i](m) * inv - in.efield(m),
                                  tangents ? -e.field_tangent[i](m) * inv : 0.0);
    }
    backward(p, dq, dmu, Vec3(-in.efield), seeds.energy, &grad, nullptr);
  };
  if (!seeds.forces.empty() || !strain.isZero(0))
    energy_term(*tangent_);
  else if (seeds.energy != 0)
    energy_term(*plain_);

  // J = M_a along dL/dZ_a (a Born-charge term), or dL/dM · M alone.
  auto dipole_term = [&](auto& net, const Vec3& a, double seed, const std::vector<Vec3>& dr) {
    using S = typename ScalarOf<std::decay_t<decltype(net)>>::type;
    Pass<S> p = forward(net, in, dr);
    const std::vector<S> dq(n, S(0));
    const std::vector<V3<S>> dmu(n, {S(a(0)), S(a(1)), S(a(2))});
    backward(p, dq, dmu, a, seed, &grad, nullptr);
  };
  if (!seeds.bec.empty()) {
    for (int a = 0; a < 3; ++a) {
      std::vector<Vec3> dr(n);
      for (std::size_t i = 0; i < n; ++i) dr[i] = seeds.bec[i].row(a).transpose();
      dipole_term(*tangent_, Vec3::Unit(a), seeds.dipole(a), dr);
    }
  } else if (!seeds.dipole.isZero(0)) {
    dipole_term(*plain_, seeds.dipole, 1.0, {});
  }
}

template <class T>
std::vector<std::vector<Mat3>> born_charges_batch(const ModelWeights& w,
                                                  const std::vector<Input>& in) {
  std::vector<std::vector<Mat3>> out(in.size());
  for_each_structure(
      static_cast<int>(in.size()), [&] { return LongRangeGradient<T>(w); },
      [&](LongRangeGradient<T>& engine, int k) { out[k] = engine.born_charges(in[k]); });
  return out;
}

template <class T>
PolarizationWeights long_range_gradient_batch(const ModelWeights& w, const std::vector<Input>& in,
                                              const std::vector<LongRangeSeeds>& seeds,
                                              const std::vector<ElectrostaticsTangentFn>& es) {
  if (in.size() != seeds.size() || in.size() != es.size())
    throw Error("infer::long_range_gradient_batch: one seed and electrostatics per structure");
  std::vector<PolarizationWeights> parts(in.size());
  for_each_structure(
      static_cast<int>(in.size()), [&] { return LongRangeGradient<T>(w); },
      [&](LongRangeGradient<T>& engine, int k) {
        parts[k] = zero_gradient(w.b);
        engine.add(in[k], seeds[k], es[k], parts[k]);
      });
  PolarizationWeights sum = zero_gradient(w.b);
  for (const PolarizationWeights& part : parts) add_gradient(sum, part);
  return sum;
}

template class LongRangeGradient<float>;
template class LongRangeGradient<double>;
template std::vector<std::vector<Mat3>> born_charges_batch<float>(const ModelWeights&,
                                                                  const std::vector<Input>&);
template std::vector<std::vector<Mat3>> born_charges_batch<double>(const ModelWeights&,
                                                                   const std::vector<Input>&);
template PolarizationWeights long_range_gradient_batch<float>(
    const ModelWeights&, const std::vector<Input>&, const std::vector<LongRangeSeeds>&,
    const std::vector<ElectrostaticsTangentFn>&);
template PolarizationWeights long_range_gradient_batch<double>(
    const ModelWeights&, const std::vector<Input>&, const std::vector<LongRangeSeeds>&,
    const std::vector<ElectrostaticsTangentFn>&);

}  // namespace lnet::infer
