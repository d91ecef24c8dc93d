// Rigid-ion rock salt: nearest-neighbour central springs k plus Born charges ±Z, ε∞.
//
// Γ TO from the springs: displacing the cation sublattice by u along x against the anion
// sublattice stretches the 2 of the 6 nearest-neighbour bonds that lie along x by ±u and turns
// the other 4 to first order only (no stretch; at r = r0 the springs carry no tension). The
// restoring force is Σ_bonds k (r̂·x̂)² u = 2k u, so μ ω_TO² = 2k: the geometry factor of the
// brief's 2k(1/m₁ + 1/m₂) is exactly 1 (Σ_nn (r̂·x̂)² = 2).
// LO: the macroscopic field adds Z²e²/(ε_vac ε∞ Ω) to that spring: ω_LO² − ω_TO² =
// Z²e²/(ε_vac ε∞ Ω μ), Ω = a³/4.
#include <gtest/gtest.h>

#include <cmath>

#include "lnet/core/constants.hpp"
#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/phonon/dynamical_matrix.hpp"
#include "lnet/phonon/gamma_modes.hpp"
#include "phonon/pair_crystal.hpp"

namespace lnet {
namespace {

constexpr double a = 5.64, k = 1.5, zstar = 1.1, eps_inf = 2.3;

struct RigidIon {
  Structure prim = testing::rock_salt(a);
  testing::PairCrystal ff;
  Supercell sc;
  ForceConstants fc;
  std::vector<double> masses{atomic_mass(11), atomic_mass(17)};
  double mu = masses[0] * masses[1] / (masses[0] + masses[1]);
  double omega = std::abs(prim.cell.determinant());

  RigidIon() {
    ff.cutoff = 0.6 * a;  // nearest neighbours only (the next are like ions at 0.707 a)
    ff.set_spring(11, 17, {k, a / 2, 0.8, 3.0});
    ff.charges = {{11, zstar}, {17, -zstar}};
    sc = make_supercell(prim, Mat3i::Identity() * 2);
    DisplacementOptions o;
    o.progress = false;
    o.amplitude = 1e-3;
    fc = finite_displacement_force_constants(ff, sc, o).fc;
    impose_acoustic_sum_rule(fc, sc);
  }
  NacParameters nac(NacMethod method) const {
    NacParameters n;
    n.method = method;
    n.born = {zstar * Mat3::Identity(), -zstar * Mat3::Identity()};
    n.epsilon = eps_inf * Mat3::Identity();
    return n;
  }
  double to_thz(double omega2) const { return std::sqrt(omega2) * units::ev_a2_amu_to_thz; }
  double nu_to() const { return to_thz(2 * k / mu); }
  double nu_lo() const {
    return to_thz(2 * k / mu + zstar * zstar / (units::eps0 * eps_inf * omega * mu));
  }
};

class RigidIonTest : public ::testing::TestWithParam<NacMethod> {};

TEST_P(RigidIonTest, TransverseAndLongitudinalOpticModesAtGamma) {
  RigidIon r;
  DynamicalMatrix dm(r.prim, r.masses, r.sc, r.fc, r.nac(GetParam()));
  // Along x (fractional reciprocal direction of Cartesian x̂: q_frac = cell · x̂).
  const Vec3 dir = r.prim.cell * Vec3(1, 0, 0);
  const GammaAnalysis g = analyse_gamma(dm, dir);
  ASSERT_EQ(g.modes.size(), 6u);
  // FD step 1e-3 Å with quartic k4 = 3 eV/Å⁴: O(h² k4/k) ≈ 1e-6 relative in Φ, well under the
  // brief's 1e-4 on frequencies.
  int n_lo = 0, n_to = 0;
  for (const GammaMode& m : g.modes) {
    if (m.label == "LO") {
      ++n_lo;
      EXPECT_NEAR(m.thz / r.nu_lo(), 1.0, 1e-4) << m.thz << " vs " << r.nu_lo();
      EXPECT_NEAR(m.longitudinal, 1.0, 1e-9);
    } else if (m.label == "TO") {
      ++n_to;
      EXPECT_NEAR(m.thz / r.nu_to(), 1.0, 1e-4) << m.thz << " vs " << r.nu_to();
    } else {
      EXPECT_EQ(m.label, "acoustic");
      EXPECT_NEAR(m.thz, 0.0, 1e-5);
    }
  }
  EXPECT_EQ(n_lo, 1);
  EXPECT_EQ(n_to, 2);
  EXPECT_GT(r.nu_lo() / r.nu_to(), 1.05);  // the splitting is large enough to be tested

  // Lyddane–Sachs–Teller: ω_LO²/ω_TO² = ε0/ε∞, ε0 from the TO modes' oscillator strengths.
  const Mat3 eps0 = static_dielectric(dm);
  const double lo = r.nu_lo(), to = r.nu_to();
  double lo_lnet = 0, to_lnet = 0;
  for (const GammaMode& m : g.modes) {
    if (m.label == "LO") lo_lnet = m.thz;
    if (m.label == "TO") to_lnet = m.thz;
  }
  EXPECT_NEAR(lo_lnet * lo_lnet / (to_lnet * to_lnet), eps0(0, 0) / eps_inf, 1e-6);
  const double eps0_analytic =
      eps_inf +
      zstar * zstar / (units::eps0 * r.omega * r.mu * std::pow(to / units::ev_a2_amu_to_thz, 2));
  EXPECT_NEAR(eps0(0, 0) / eps0_analytic, 1.0, 1e-4);
  EXPECT_NEAR(eps0(0, 1), 0.0, 1e-8);
  EXPECT_NEAR(lo * lo / (to * to), eps0_analytic / eps_inf, 1e-12);
}

// Raman activities from given Γ Raman tensors T_β (atom 0) and -T_β (atom 1: a rigid
// translation leaves alpha unchanged). The optical modes e = (sqrt(m1/M) u, -sqrt(m0/M) u)
// have R = Σ_β T_β u_β / sqrt(μ), so over the three optical modes (degenerate without NAC, any
// basis) Σ activity = k_e² / μ Σ_β activity(T_β); the acoustic modes carry none.
TEST(RigidIonRaman, ModeTensorsFromAtomicRamanTensors) {
  RigidIon r;
  DynamicalMatrix dm(r.prim, r.masses, r.sc, r.fc, r.nac(NacMethod::none));
  std::vector<Mat3> raman(6);
  double expected = 0;
  for (int beta = 0; beta < 3; ++beta) {
    Mat3 t = Mat3::Random();
    t = 0.5 * (t + t.transpose()) + (beta + 1) * 0.3 * Mat3::Identity();
    raman[beta] = t;
    raman[3 + beta] = -t;
    expected += raman_activity(units::coulomb * t) / r.mu;
  }
  const GammaAnalysis g = analyse_gamma(dm, std::nullopt, raman);
  double optical = 0;
  for (const GammaMode& m : g.modes) {
    ASSERT_TRUE(m.raman_activity.has_value());
    if (m.label == "acoustic")
      EXPECT_EQ(*m.raman_activity, 0.0);
    else
      optical += *m.raman_activity;
  }
  EXPECT_GT(expected, 1.0);
  EXPECT_NEAR(optical / expected, 1.0, 1e-12);
  // The invariants: a pure trace (a = 1) gives 45, a pure off-diagonal xy = 1 gives 7·3 = 21.
  EXPECT_NEAR(raman_activity(Mat3::Identity()), 45.0, 1e-12);
  Mat3 xy = Mat3::Zero();
  xy(0, 1) = xy(1, 0) = 1;
  EXPECT_NEAR(raman_activity(xy), 21.0, 1e-12);
  EXPECT_THROW(analyse_gamma(dm, std::nullopt, std::vector<Mat3>(5)), Error);
}

TEST_P(RigidIonTest, LongitudinalBranchIsContinuousAtGamma) {
  RigidIon r;
  DynamicalMatrix dm(r.prim, r.masses, r.sc, r.fc, r.nac(GetParam()));
  // Along [111] (the L direction): small q tends to the Γ limit along the same direction.
  const Vec3 dir = r.prim.cell * Vec3(1, 1, 1).normalized();
  const Eigen::VectorXd gamma = dm.frequencies(Vec3::Zero(), dir);
  const Eigen::VectorXd near = dm.frequencies(1e-4 * dir);
  // Dispersion over |q| ~ 1e-4 Å⁻¹ changes ω by O(q²a²) ~ 1e-7 relative.
  for (int i = 3; i < 6; ++i) EXPECT_NEAR(near[i] / gamma[i], 1.0, 1e-5) << i;
  EXPECT_NEAR(gamma[5] / r.nu_lo(), 1.0, 1e-4);
  // Without a direction Γ shows TO only (LO degenerate with it), as phonopy.
  const Eigen::VectorXd plain = dm.frequencies(Vec3::Zero());
  EXPECT_NEAR(plain[5] / r.nu_to(), 1.0, 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Nac, RigidIonTest, ::testing::Values(NacMethod::gonze, NacMethod::wang),
                         [](const auto& info) { return to_string(info.param); });

TEST(ForceConstants, FiniteDifferencesMatchExactHessian) {
  // Off-equilibrium (a ≠ 2 r0) so that the transverse φ'/r terms matter, like-ion springs too,
  // and strong cubic/quartic terms so that the step h matters.
  const double a2 = 5.5;
  Structure prim = testing::rock_salt(a2);
  prim.positions[1] += Vec3(0.03, -0.02, 0.01);
  testing::PairCrystal ff;
  ff.cutoff = 0.8 * a2;
  ff.set_spring(11, 17, {1.5, 2.85, 2.0, 6.0});
  ff.set_spring(11, 11, {0.3, 3.9, 0.5, 1.0});
  ff.set_spring(17, 17, {0.2, 4.0, 0.4, 1.0});
  const Supercell sc = make_supercell(prim, Mat3i::Identity() * 2);
  const auto exact = force_constants_from_hessian(*ff.hessian(sc.structure), sc);
  auto error_at = [&](double h) {
    DisplacementOptions o;
    o.progress = false;
    o.amplitude = h;
    const auto fd = finite_displacement_force_constants(ff, sc, o);
    double e = 0;
    for (std::size_t i = 0; i < fd.fc.blocks.size(); ++i)
      e = std::max(e, (fd.fc.blocks[i] - exact.blocks[i]).cwiseAbs().maxCoeff());
    return e / exact.max_abs();
  };
  // Central differences err by h²/6 · Φ'''' ~ h² k4/6k ≈ 7e-7 at h = 1e-3 at most; round-off
  // ~1e-16 |F| / h is negligible.
  EXPECT_LT(error_at(1e-3), 1e-6);
  // The test can fail: a 30× larger step is off by ~900× more.
  EXPECT_GT(error_at(3e-2), 1e-5);
}

}  // namespace
}  // namespace lnet
