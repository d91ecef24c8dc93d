// The torch-free Coulomb solvers (src/lnet/infer/coulomb.hpp) against the autograd reference
// es::evaluate with the same resolved parameters: energy, forces, virial, potentials and fields
// to 1e-12 relative (both compute the same function; only the order of the sums differs).
#include <gtest/gtest.h>

#include "infer/coulomb/coulomb_fixtures.hpp"
#include "lnet/model/fast_electrostatics.hpp"

namespace lnet::infer::test {
namespace {

torch::Tensor tensor(const std::vector<Vec3>& v) {
  auto t = torch::empty({int64_t(v.size()), 3}, torch::kFloat64);
  for (std::size_t i = 0; i < v.size(); ++i)
    for (int a = 0; a < 3; ++a) t[i][a] = v[i](a);
  return t;
}

es::Sites reference_sites(const System& s, bool periodic) {
  es::Sites r;
  auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  r.positions = tensor(s.positions);
  r.cell = torch::empty({3, 3}, f64);
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) r.cell[a][b] = s.cell(a, b);
  r.periodic = periodic;
  if (s.use_charges) r.charges = torch::tensor(s.charges, f64);
  if (s.use_dipoles) r.dipoles = tensor(s.dipoles);
  if (s.gaussian) r.sigma = torch::tensor(s.sigma, f64);
  return r;
}

struct Case {
  const char* name;
  es::Method method;
  bool charges, dipoles, gaussian, skew;
  int atoms = 12;
  double edge = 8.0;
  double net = 0;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }  // test names in ctest

class CoulombReference : public ::testing::TestWithParam<Case> {};

// Relative to the largest entry of each quantity: potentials and fields of single sites can
// be small by cancellation, which the rounding of the largest terms does not follow.
void expect_close(double got, double want, double scale, const std::string& what) {
  EXPECT_NEAR(got, want, 1e-12 * scale) << what;
}

TEST_P(CoulombReference, EqualsAutograd) {
  const Case k = GetParam();
  const bool periodic = k.method != es::Method::Direct;
  const Mat3 cell =
      k.skew ? triclinic(k.edge) : Mat3(Vec3(k.edge, 0.9 * k.edge, 1.1 * k.edge).asDiagonal());
  System s = random_system(k.atoms, cell, 3, k.net);
  s.use_charges = k.charges;
  s.use_dipoles = k.dipoles;
  s.gaussian = k.gaussian;
  es::Settings settings;
  settings.method = k.method;
  settings.accuracy = 1e-6;
  const es::Electrostatics es(settings);
  const es::Sites sites = reference_sites(s, periodic);
  const es::Parameters params = es.resolve(sites);
  const es::SiteResult ref = es::evaluate(es, sites);

  CoulombParameters p = params;
  p.exact_real_space = true;  // the tables agree to 1e-12 of each pair term, not of the sum
  Coulomb solver(p);
  const ElectrostaticsResult got = solver.evaluate(s.sites(), s.cell);

  const double e = ref.energy.item<double>();
  EXPECT_NEAR(got.energy, e, 1e-12 * std::abs(e));
  auto scale = [](const torch::Tensor& t) { return t.abs().max().item<double>(); };
  const double fs = scale(ref.forces), ps = scale(ref.potential), es_ = scale(ref.field),
               ws = scale(ref.virial);
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b)
      expect_close(got.virial(a, b), ref.virial[a][b].item<double>(), ws, "virial");
  for (int i = 0; i < k.atoms; ++i) {
    expect_close(got.potential[i], ref.potential[i].item<double>(), ps, "potential");
    for (int a = 0; a < 3; ++a) {
      expect_close(got.forces[i](a), ref.forces[i][a].item<double>(), fs, "force");
      expect_close(got.field[i](a), ref.field[i][a].item<double>(), es_, "field");
    }
  }
}

constexpr es::Method kE = es::Method::Ewald, kP = es::Method::PME, kD = es::Method::Direct;

INSTANTIATE_TEST_SUITE_P(
    Solvers, CoulombReference,
    ::testing::Values(Case{"EwaldBoth", kE, true, true, true, false},
                      Case{"EwaldBothSkew", kE, true, true, true, true},
                      Case{"EwaldCharges", kE, true, false, true, false},
                      Case{"EwaldDipolesSkew", kE, false, true, true, true},
                      Case{"EwaldPointBoth", kE, true, true, false, true},
                      Case{"EwaldCharged", kE, true, true, true, true, 12, 8.0, 0.7},
                      // a cell smaller than the real-space cutoff: many images per pair
                      Case{"EwaldSmallCell", kE, true, true, true, true, 3, 3.2},
                      Case{"PmeBoth", kP, true, true, true, false},
                      Case{"PmeBothSkew", kP, true, true, true, true},
                      Case{"PmeCharges", kP, true, false, true, true},
                      Case{"PmeDipoles", kP, false, true, true, false},
                      Case{"PmePointBoth", kP, true, true, false, true},
                      Case{"PmeCharged", kP, true, true, true, false, 12, 8.0, -0.4},
                      Case{"PmeSmallCell", kP, true, true, true, true, 3, 3.2},
                      Case{"DirectBoth", kD, true, true, true, false},
                      Case{"DirectPoint", kD, true, true, false, false},
                      Case{"DirectCharges", kD, true, false, true, false}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace lnet::infer::test
