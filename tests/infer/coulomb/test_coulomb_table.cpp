// The tabulated real-space kernel (coulomb_table.hpp) against the exact erfc/exp kernel, and the
// threaded PME spread against one thread.
#include <gtest/gtest.h>

#include <random>

#include "coulomb_fixtures.hpp"
#include "lnet/core/constants.hpp"
#include "lnet/infer/coulomb_table.hpp"

// libgomp's setter (lnet_infer links OpenMP privately; its runtime is linked into this test).
extern "C" void omp_set_num_threads(int);
extern "C" int omp_get_max_threads();

namespace lnet::infer::test {
namespace {

using coulomb_detail::RealKernelTable;

struct Width {
  double alpha, g2, cutoff;
  bool dipoles;
};

// The stated bound at random distances (not only at the midpoints the table checks itself on):
// |error of B_l| <= kTableError (2l-1)!! / r^(2l+1).
TEST(CoulombTable, MeetsTheStatedErrorAgainstTheExactKernel) {
  std::mt19937 rng(3);
  // Point sites; species widths of 0.5-1 A; a sharp 0.15 A width against a soft split; a long
  // cutoff with a sharp split.
  for (const Width w : {Width{0.7, 0.0, 5.0, false}, Width{0.7, 0.0, 5.0, true},
                        Width{0.45, 0.5, 4.5, true}, Width{0.45, 2.0, 9.0, false},
                        Width{0.3, 2 * 0.15 * 0.15, 6.0, true}, Width{1.2, 0.8, 12.0, true}}) {
    const RealKernelTable table(w.alpha, w.g2, w.cutoff, w.dipoles);
    ASSERT_TRUE(table.usable()) << w.alpha << " " << w.g2;
    EXPECT_LE(table.checked_error(), coulomb_detail::kTableError);
    std::uniform_real_distribution<double> s(table.s_min(), w.cutoff * w.cutoff);
    double worst = 0;
    for (int k = 0; k < 20000; ++k) {
      const double s2 = s(rng), r = std::sqrt(s2);
      double exact[4];
      coulomb_detail::ewald_real_series(r, w.alpha, w.g2, 3, exact);
      const coulomb_detail::Radial b = table(s2);
      const double got[4] = {b.b0, b.b1, b.b2, b.b3};
      double bare = 1 / r;
      for (int l = 0; l <= (w.dipoles ? 3 : 1); ++l) {
        worst = std::max(worst, std::abs(got[l] - exact[l]) / bare);
        bare *= (2 * l + 1) / s2;
      }
    }
    EXPECT_LE(worst, coulomb_detail::kTableError) << w.alpha << " " << w.g2 << " " << w.cutoff;
    // The error is not trivially zero: the table is an expansion, not the exact kernel.
    EXPECT_GT(worst, 0.0);
  }
}

// A cutoff whose table would need more than kTableMaxNodes nodes is not tabulated (the sums
// then use the exact kernel).
TEST(CoulombTable, RefusesRangesBeyondTheNodeBudget) {
  EXPECT_TRUE(RealKernelTable(0.1, 0.0, 20.0, false).usable());
  EXPECT_FALSE(RealKernelTable(0.01, 0.0, 300.0, false).usable());
}

// Sites with species widths (3 distinct) through the tables against the exact kernel: energy,
// forces, potentials and fields to 1e-11 of their scale. Per pair the table errs by <= 1e-12 of
// the bare Coulomb term; ~60 pairs per site of mixed sign add up to at most ~10x that.
TEST(CoulombTable, RealSpaceSumEqualsTheExactKernel) {
  for (const bool dipoles : {false, true}) {
    System s = random_system(60, triclinic(10.0), 11);
    const double species[3] = {0.6, 0.8, 1.1};
    for (std::size_t i = 0; i < s.sigma.size(); ++i) s.sigma[i] = species[i % 3];
    s.use_dipoles = dipoles;
    const NeighborList pairs = build_neighbor_list(s.positions, s.cell, {true, true, true}, 5.0);
    ElectrostaticsResult table, exact;
    table.reset(s.positions.size());
    exact.reset(s.positions.size());
    real_space_sum(pairs, s.cell, s.sites(), s.positions.size(), 0.6, 5.0, table, false);
    real_space_sum(pairs, s.cell, s.sites(), s.positions.size(), 0.6, 5.0, exact, true);
    const double ke = units::coulomb;
    EXPECT_NEAR(table.energy, exact.energy, 1e-11 * ke * s.positions.size());
    EXPECT_NE(table.energy, exact.energy) << "the tables were not used";
    for (std::size_t i = 0; i < s.positions.size(); ++i) {
      EXPECT_LT((table.forces[i] - exact.forces[i]).norm(), 1e-11 * ke) << i;
      EXPECT_NEAR(table.potential[i], exact.potential[i], 1e-11 * ke) << i;
      EXPECT_LT((table.field[i] - exact.field[i]).norm(), 1e-11 * ke) << i;
    }
    EXPECT_LT((table.virial - exact.virial).cwiseAbs().maxCoeff(), 1e-11 * ke * 60);
  }
}

// The whole solver (tabulated real space, threaded spread and k-space sums) on 1 and 2 threads,
// with and without dipoles (separate spread and interpolation loops): equal to rounding (the
// sums are only regrouped), 1e-12 of each quantity's largest magnitude.
TEST(CoulombThreads, ResultsDoNotDependOnTheThreadCount) {
  System s = random_system(1200, Mat3(Vec3(22.0, 23.0, 24.0).asDiagonal()), 4);
  for (std::size_t i = 0; i < s.sigma.size(); ++i) s.sigma[i] = i % 2 ? 0.7 : 0.9;
  CoulombParameters p;
  p.method = CoulombMethod::PME;
  p.alpha = 0.6;
  p.real_cutoff = 5.0;
  p.mesh = {24, 25, 27};
  const int threads = omp_get_max_threads();
  for (const bool dipoles : {true, false}) {
    s.use_dipoles = dipoles;
    std::vector<ElectrostaticsResult> r;
    for (const int t : {1, 2}) {
      omp_set_num_threads(t);
      Coulomb c(p);
      r.push_back(c.evaluate(s.sites(), s.cell));
    }
    omp_set_num_threads(threads);
    double fs = 0, ps = 0, es = 0;
    for (std::size_t i = 0; i < s.positions.size(); ++i) {
      fs = std::max(fs, r[0].forces[i].norm());
      ps = std::max(ps, std::abs(r[0].potential[i]));
      es = std::max(es, r[0].field[i].norm());
    }
    EXPECT_NEAR(r[0].energy, r[1].energy, 1e-12 * std::abs(r[0].energy));
    for (std::size_t i = 0; i < s.positions.size(); ++i) {
      EXPECT_LT((r[0].forces[i] - r[1].forces[i]).norm(), 1e-12 * fs) << i;
      EXPECT_NEAR(r[0].potential[i], r[1].potential[i], 1e-12 * ps) << i;
      EXPECT_LT((r[0].field[i] - r[1].field[i]).norm(), 1e-12 * es) << i;
    }
  }
}

}  // namespace
}  // namespace lnet::infer::test
