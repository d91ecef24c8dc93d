// Two sites at one place: the torch-free solvers name them and their distance instead of
// returning an infinite or NaN energy, for every method (its pair kernels are 1/r-like).
#include <gtest/gtest.h>

#include "coulomb_fixtures.hpp"
#include "lnet/core/error.hpp"

namespace lnet::infer::test {
namespace {

TEST(CoulombCoincident, SitesAreNamedWithTheirDistance) {
  for (CoulombMethod m : {CoulombMethod::Ewald, CoulombMethod::PME, CoulombMethod::Direct}) {
    CoulombParameters p;
    p.method = m;
    p.alpha = 0.45;
    p.real_cutoff = 4.5;
    p.kmax = {5, 5, 5};
    p.mesh = {12, 12, 12};
    System s = random_system(6, Mat3::Identity() * 9.0, 3);
    s.positions[4] = s.positions[1] + Vec3(3e-4, 0, 0);
    Coulomb solver(p);
    std::string msg;
    try {
      solver.evaluate(s.sites(), s.cell);
    } catch (const InputError& e) {
      msg = e.what();
    }
    EXPECT_NE(msg.find("atoms 2 and 5 coincide (0.0003 A apart"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace lnet::infer::test
