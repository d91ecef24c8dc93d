// Statistics fitted before training: for a long-range model with nominal charges the reference
// energies e0 are fitted to E_ref minus the nominal charges' electrostatic energy, so that the
// untrained model starts at the right energy instead of a Madelung energy per atom away.
#include <gtest/gtest.h>

#include <random>

#include "common/rocksalt.hpp"
#include "lnet/electrostatics/electrostatics.hpp"
#include "lnet/train/dataset.hpp"

namespace lnet {
namespace {

using testing::rocksalt_fractions;
using testing::rocksalt_number;

// (1/eps_s) E_es of +-1 Gaussian charges (sigma 0.8 Å) at the atoms of `s`.
double nominal_energy(const Structure& s, double epsilon_s) {
  es::Sites sites;
  const auto n = static_cast<int64_t>(s.size());
  sites.positions = torch::empty({n, 3}, torch::kFloat64);
  sites.charges = torch::empty({n}, torch::kFloat64);
  sites.sigma = torch::full({n}, 0.8, torch::kFloat64);
  for (int64_t i = 0; i < n; ++i) {
    for (int a = 0; a < 3; ++a) sites.positions[i][a] = s.positions[i](a);
    sites.charges[i] = s.numbers[i] == 11 ? 1.0 : -1.0;
  }
  sites.cell = torch::empty({3, 3}, torch::kFloat64);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) sites.cell[r][c] = s.cell(r, c);
  torch::NoGradGuard no_grad;
  return es::Electrostatics().energy(sites).item<double>() / epsilon_s;
}

TEST(Statistics, LongRangeReferenceEnergiesLeaveOutTheNominalElectrostatics) {
  // Rock-salt cells of different sizes and distortions; the "DFT" energy is the nominal
  // electrostatics plus -2 eV per Na and -3 eV per Cl, which e0 must recover exactly (only the
  // sum per formula unit is determined for a fixed stoichiometry).
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 0.1);
  ModelConfig m;
  m.long_range = true;
  m.charges = {{11, 1.0}, {17, -1.0}};
  m.sigma = {{11, 0.8}, {17, 0.8}};
  m.epsilon_s = 2.0;
  std::vector<Structure> train;
  for (int k = 0; k < 6; ++k) {
    Structure s;
    const double a = 5.4 + 0.1 * k;
    s.cell = Mat3::Identity() * a;
    s.pbc = {true, true, true};
    for (int i = 0; i < 8; ++i) {
      s.positions.push_back(a * rocksalt_fractions()[i] + Vec3(noise(rng), noise(rng), noise(rng)));
      s.numbers.push_back(rocksalt_number(i));
    }
    s.energy = nominal_energy(s, m.epsilon_s) + 4 * (-2.0) + 4 * (-3.0);
    train.push_back(s);
  }
  fit_statistics(train, {}, m);
  ASSERT_EQ(m.e0.size(), 2u);
  // Least squares on exact data: rounding only.
  EXPECT_NEAR(m.e0[0] + m.e0[1], -5.0, 1e-9);
  // The nominal electrostatics are several eV per atom here, so a fit to E_ref alone is far off.
  EXPECT_LT(nominal_energy(train[0], m.epsilon_s) / 8, -1.0);
}

}  // namespace
}  // namespace lnet
