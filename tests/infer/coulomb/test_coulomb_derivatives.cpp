// Forces, virial, potentials and fields of the torch-free Coulomb solvers against central
// differences of their own energy (float64), for Ewald, PME and the direct sum.
#include <gtest/gtest.h>

#include "coulomb_fixtures.hpp"

namespace lnet::infer::test {
namespace {

struct Case {
  const char* name;
  CoulombMethod method;
  bool charges, dipoles, gaussian, skew;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }  // test names in ctest

CoulombParameters parameters(CoulombMethod m) {
  CoulombParameters p;
  p.method = m;
  p.alpha = 0.45;
  p.real_cutoff = 4.5;
  p.kmax = {5, 5, 5};
  p.mesh = {12, 10, 14};
  p.order = 5;
  return p;
}

class CoulombDerivatives : public ::testing::TestWithParam<Case> {};

// Step 1e-5 (Å, e, e·Å, strain): central-difference error O(h^2 E''') ~ 1e-9 plus round-off
// 1e-16 |E| / h ~ 1e-10 for |E| ~ 10 eV; the tolerance 1e-6 leaves room for both.
constexpr double kStep = 1e-5, kTol = 1e-6;

TEST_P(CoulombDerivatives, AreTheEnergyGradient) {
  const Case k = GetParam();
  System s = random_system(6, k.skew ? triclinic(7.0) : Mat3(Vec3(7.0, 6.5, 8.0).asDiagonal()), 7);
  s.use_charges = k.charges;
  s.use_dipoles = k.dipoles;
  s.gaussian = k.gaussian;
  Coulomb c(parameters(k.method));
  const ElectrostaticsResult r = c.evaluate(s.sites(), s.cell);
  auto diff = [&](auto&& perturb) {
    System p = s, m = s;
    perturb(p, kStep);
    perturb(m, -kStep);
    return (energy(c, p) - energy(c, m)) / (2 * kStep);
  };
  for (std::size_t i = 0; i < s.positions.size(); ++i) {
    for (int a = 0; a < 3; ++a) {
      EXPECT_NEAR(r.forces[i](a), -diff([&](System& x, double h) { x.positions[i](a) += h; }), kTol)
          << "force " << i << " " << a;
      if (k.dipoles) {
        EXPECT_NEAR(r.field[i](a), -diff([&](System& x, double h) { x.dipoles[i](a) += h; }), kTol)
            << "field " << i << " " << a;
      }
    }
    if (k.charges) {
      EXPECT_NEAR(r.potential[i], diff([&](System& x, double h) { x.charges[i] += h; }), kTol)
          << "potential " << i;
    }
  }
  // W_ab = -dE/dh under the symmetric strain h (e_a e_b^T + e_b e_a^T)/2 of positions and cell
  // (dipoles held fixed, DESIGN.md §1.6).
  for (int a = 0; a < 3; ++a)
    for (int b = a; b < 3; ++b) {
      const double fd = -diff([&](System& x, double h) {
        Mat3 e = Mat3::Identity();
        e(a, b) += 0.5 * h;
        e(b, a) += 0.5 * h;
        for (Vec3& p : x.positions) p = (p.transpose() * e).transpose();
        x.cell = x.cell * e;
      });
      EXPECT_NEAR(r.virial(a, b), fd, kTol) << "virial " << a << b;
      EXPECT_NEAR(r.virial(b, a), fd, kTol) << "virial " << b << a;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Solvers, CoulombDerivatives,
    ::testing::Values(Case{"EwaldBoth", CoulombMethod::Ewald, true, true, true, false},
                      Case{"EwaldChargesSkew", CoulombMethod::Ewald, true, false, true, true},
                      Case{"EwaldDipolesPointSkew", CoulombMethod::Ewald, false, true, false, true},
                      Case{"PmeBoth", CoulombMethod::PME, true, true, true, false},
                      Case{"PmeBothSkew", CoulombMethod::PME, true, true, true, true},
                      Case{"PmeDipolesPoint", CoulombMethod::PME, false, true, false, false},
                      Case{"PmeChargesPointSkew", CoulombMethod::PME, true, false, false, true},
                      Case{"DirectBoth", CoulombMethod::Direct, true, true, true, false},
                      Case{"DirectPoint", CoulombMethod::Direct, true, true, false, false}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace lnet::infer::test
