// Random models and structures for the inference-engine tests, and the reference (autograd)
// and engine evaluations of one structure side by side.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "lnet/core/neighbor_list.hpp"
#include "lnet/model/infer_weights.hpp"
#include "model/model_fixtures.hpp"

namespace lnet::testing {

struct Shape {
  int l_max, correlation, layers, l_hidden;
};

// A random float64 Na/Cl model of the given shape for network A (and network B, long range).
inline ModelConfig engine_config(const Shape& a, bool long_range, bool learn_charges,
                                 std::optional<Shape> b = std::nullopt) {
  ModelConfig c = small_config(long_range, learn_charges);
  c.network_a = {3.5, 6, 5, a.l_max, a.l_hidden, 8, a.correlation, a.layers, 16};
  const Shape sb = b ? *b : Shape{2, 2, 2, 1};
  c.network_b = {3.0, 5, 4, sb.l_max, sb.l_hidden, 6, sb.correlation, sb.layers, 12};
  return c;
}

// Random positions in a sheared cell (periodic or open) of `n` atoms, Na and Cl alternating.
inline Structure random_structure(int seed, int n, double a, bool periodic) {
  std::srand(seed);
  auto rnd = [] { return static_cast<double>(std::rand()) / RAND_MAX; };
  Structure s;
  s.cell << a, 0.1 * a / 5, 0.0, 0.2 * a / 5, a * 1.03, 0.05, -0.1 * a / 5, 0.15, a * 0.97;
  s.pbc = {periodic, periodic, periodic};
  for (int i = 0; i < n; ++i) {
    // Rejection keeps atoms apart (> 1.2 Å) so the structure stays physical-looking.
    Vec3 r;
    for (int tries = 0; tries < 1000; ++tries) {
      r = s.cell.transpose() * Vec3(rnd(), rnd(), rnd());
      bool ok = true;
      for (const Vec3& p : s.positions) ok = ok && (p - r).norm() > 1.2;
      if (ok) break;
    }
    s.positions.push_back(r);
    s.numbers.push_back(i % 2 ? 17 : 11);
  }
  return s;
}

struct Values {
  double energy = 0;
  std::vector<Vec3> forces;
  Mat3 virial = Mat3::Zero();
  std::vector<double> charges;
  std::vector<Vec3> dipoles;
  Vec3 m = Vec3::Zero();
};

inline Values reference_values(Potential& model, Structure s, const Vec3& field,
                               std::optional<es::Parameters>& params) {
  s.efield = field;
  Request r;
  r.stress = true;
  const Prediction p = predict(model, s, r);
  if (model->config().long_range) params = p.es_parameters.at(0);
  Values v;
  auto f64 = [](const torch::Tensor& t) { return t.detach().to(torch::kFloat64).contiguous(); };
  v.energy = f64(p.energy).item<double>();
  auto f = f64(p.forces), w = f64(p.virial);
  for (std::size_t i = 0; i < s.size(); ++i)
    v.forces.emplace_back(f[i][0].item<double>(), f[i][1].item<double>(), f[i][2].item<double>());
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) v.virial(a, b) = w[0][a][b].item<double>();
  if (model->config().long_range) {
    auto q = f64(p.charges), mu = f64(p.dipoles), m = f64(p.polarization);
    for (std::size_t i = 0; i < s.size(); ++i) {
      v.charges.push_back(q[i].item<double>());
      v.dipoles.emplace_back(mu[i][0].item<double>(), mu[i][1].item<double>(),
                             mu[i][2].item<double>());
    }
    v.m = Vec3(m[0][0].item<double>(), m[0][1].item<double>(), m[0][2].item<double>());
  }
  return v;
}

template <class T>
Values engine_values(infer::EngineModel<T>& engine, const ModelConfig& c, const Structure& s,
                     const Vec3& field, std::optional<es::Parameters>& params) {
  const NeighborList na = build_neighbor_list(s.positions, s.cell, s.pbc, c.network_a.cutoff);
  NeighborList nb;
  if (c.long_range) nb = build_neighbor_list(s.positions, s.cell, s.pbc, c.network_b.cutoff);
  infer::Input in;
  for (int z : s.numbers) in.species.push_back(c.species_index(z));
  in.positions = s.positions;
  in.cell = s.cell;
  in.edges_a = &na;
  in.edges_b = c.long_range ? &nb : nullptr;
  in.efield = field;
  in.virial = true;
  std::vector<double> sigma;
  for (int z : s.numbers) sigma.push_back(c.sigma.count(z) ? c.sigma.at(z) : 1.0);
  es::Settings settings;
  settings.accuracy = c.es_accuracy;
  settings.method = es::parse_method(c.es_method);
  es::Electrostatics es(settings);
  const infer::Output o = engine.evaluate(
      in, torch_electrostatics(es, params, in.positions, s.cell, s.periodic(), sigma));
  Values v;
  v.energy = o.energy;
  v.forces = o.forces;
  v.virial = *o.virial;
  v.charges = o.charges;
  v.dipoles = o.dipoles;
  if (o.dipole) v.m = *o.dipole;
  return v;
}

// "1.23e-11", for RecordProperty (the measured errors land in the --gtest_output XML).
inline std::string sci(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2e", x);
  return buf;
}

// max |a - b| / max(|b|, floor) over all components of the vectors.
inline double rel_error(const std::vector<Vec3>& a, const std::vector<Vec3>& b, double floor) {
  double d = 0, s = floor;
  for (std::size_t i = 0; i < b.size(); ++i) {
    d = std::max(d, (a[i] - b[i]).cwiseAbs().maxCoeff());
    s = std::max(s, b[i].cwiseAbs().maxCoeff());
  }
  return d / s;
}

}  // namespace lnet::testing
