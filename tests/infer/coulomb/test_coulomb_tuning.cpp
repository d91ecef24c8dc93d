// The tuning and the solver registry without torch (this executable links lnet_infer only): the
// CPU engine, LAMMPS's domain mode and the command line resolve parameters from plain arrays,
// for every solver of the registry, and the result meets the requested accuracy.
#include <gtest/gtest.h>

#include <string>

#include "coulomb_fixtures.hpp"
#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"
#include "lnet/infer/coulomb_solvers.hpp"
#include "lnet/infer/coulomb_tuning.hpp"

namespace lnet::infer::test {
namespace {

// Conventional rock-salt cube of edge a: 4 + 4 point charges +-1.
System rock_salt(double a) {
  System s;
  s.cell = Mat3::Identity() * a;
  const double fcc[4][3] = {{0, 0, 0}, {0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}};
  for (const auto& f : fcc) {
    s.positions.push_back(a * Vec3(f[0], f[1], f[2]));
    s.charges.push_back(1.0);
    s.positions.push_back(a * Vec3(f[0] + 0.5, f[1], f[2]));
    s.charges.push_back(-1.0);
  }
  s.dipoles.assign(8, Vec3::Zero());
  s.sigma.assign(8, 0.0);
  s.use_dipoles = false;
  s.gaussian = false;
  return s;
}

TEST(CoulombTuning, EverySolverMeetsTheMadelungEnergyWithoutTorch) {
  const double r0 = 2.82;  // Å, nearest-neighbour distance
  const System s = rock_salt(2 * r0);
  // 4 ion pairs, Madelung constant of rock salt 1.747564594633.
  const double madelung = -4 * 1.747564594633 * units::coulomb / r0;
  int periodic = 0;
  for (const CoulombSolver& solver : coulomb_solvers()) {
    if (!solver.periodic) continue;
    ++periodic;
    CoulombSettings settings;
    settings.method = solver.method;
    settings.accuracy = 1e-6;
    const CoulombParameters p = resolve_parameters(settings, s.sites(), s.cell, true);
    ASSERT_EQ(p.method, solver.method);
    EXPECT_NE(p.describe().find(std::string("method=") + solver.name), std::string::npos);
    Coulomb coulomb(p);
    // A relative force accuracy of 1e-6 (of k_e e^2 / Å^2) bounds the energy error per ion far
    // below 1e-5 eV; 1e-4 eV for the 8 ions leaves room for the estimates' looseness.
    EXPECT_NEAR(coulomb.evaluate(s.sites(), s.cell).energy, madelung, 1e-4) << p.describe();
  }
  EXPECT_GE(periodic, 2);
  // Auto picks one of them; open boundaries take the open-boundary solver.
  const CoulombParameters automatic = resolve_parameters({}, s.sites(), s.cell, true);
  EXPECT_TRUE(coulomb_solver(automatic.method).periodic) << automatic.describe();
  const CoulombParameters open = resolve_parameters({}, s.sites(), s.cell, false);
  EXPECT_EQ(open.method, open_boundary_solver().method);
}

TEST(CoulombTuning, NamesComeFromTheRegistry) {
  for (const CoulombSolver& s : coulomb_solvers()) {
    EXPECT_EQ(parse_method(s.name), s.method);
    EXPECT_EQ(method_name(s.method), s.name);
  }
  EXPECT_EQ(parse_method("AUTO"), CoulombMethod::Auto);
  std::string msg;
  try {
    parse_method("p3m");
  } catch (const InputError& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find("(auto, ewald, pme, direct)"), std::string::npos) << msg;
  // Resolved parameters name a solver: Auto cannot be evaluated.
  CoulombParameters unresolved;
  unresolved.method = CoulombMethod::Auto;
  EXPECT_THROW(Coulomb{unresolved}, Error);
}

TEST(CoulombTuning, TorchFreeChecksNameTheSite) {
  System s = random_system(5, Mat3::Identity() * 8.0, 11);
  s.charges[2] = std::nan("");
  std::string msg;
  try {
    resolve_parameters({}, s.sites(), s.cell, true);
  } catch (const InputError& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find("charges of site 3 (1-based) is not finite"), std::string::npos) << msg;
}

}  // namespace
}  // namespace lnet::infer::test
