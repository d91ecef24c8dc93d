// Network A and the full potential: invariances, equivariance, and every derivative against
// central finite differences in float64 (CONVENTIONS.md, Tests).
#include <gtest/gtest.h>

#include "model_fixtures.hpp"

namespace lnet {
namespace {

using testing::distorted_nacl;
using testing::predict;
using testing::random_rotation;
using testing::small_config;

double energy_of(Potential& p, const Structure& s) {
  Request r;
  r.forces = false;
  return predict(p, s, r).energy.item<double>();
}

Structure rotated(const Structure& s, const Mat3& r) {
  Structure t = s;
  for (auto& x : t.positions) x = r * x;
  t.cell = (r * s.cell.transpose()).transpose();
  return t;
}

class PotentialTest : public ::testing::TestWithParam<bool> {  // param: long range
 protected:
  void SetUp() override {
    torch::manual_seed(3);
    model = Potential(small_config(GetParam(), GetParam()));
  }
  Potential model{nullptr};
};

TEST_P(PotentialTest, EnergyInvariantForcesEquivariant) {
  Structure s = distorted_nacl(1);
  auto p0 = predict(model, s);
  const double e0 = p0.energy.item<double>();
  // Rotation (cell rotated with the atoms).
  Mat3 r = random_rotation(5);
  auto p1 = predict(model, rotated(s, r));
  EXPECT_NEAR(p1.energy.item<double>(), e0, 1e-10 * std::abs(e0));
  auto f0 = p0.forces.accessor<double, 2>(), f1 = p1.forces.accessor<double, 2>();
  for (std::size_t i = 0; i < s.size(); ++i) {
    Vec3 a(f0[i][0], f0[i][1], f0[i][2]), b(f1[i][0], f1[i][1], f1[i][2]);
    EXPECT_LT((r * a - b).norm(), 1e-9) << "atom " << i;
  }
  // Translation.
  Structure t = s;
  for (auto& x : t.positions) x += Vec3(0.3, -1.7, 2.2);
  EXPECT_NEAR(energy_of(model, t), e0, 1e-10 * std::abs(e0));
  // Permutation of atoms.
  Structure perm = s;
  std::reverse(perm.positions.begin(), perm.positions.end());
  std::reverse(perm.numbers.begin(), perm.numbers.end());
  EXPECT_NEAR(energy_of(model, perm), e0, 1e-10 * std::abs(e0));
  // Sum of forces vanishes (translation invariance, no external field).
  EXPECT_LT(p0.forces.sum(0).abs().max().item<double>(), 1e-10);
}

TEST_P(PotentialTest, ForcesMatchFiniteDifferences) {
  Structure s = distorted_nacl(2);
  auto f = predict(model, s).forces;
  const double h = 1e-4;  // central differences: error O(h^2 E''') ~ 1e-8 relative
  double max_err = 0, max_f = 0;
  for (std::size_t i = 0; i < s.size(); ++i)
    for (int a = 0; a < 3; ++a) {
      Structure sp = s, sm = s;
      sp.positions[i](a) += h;
      sm.positions[i](a) -= h;
      double fd = -(energy_of(model, sp) - energy_of(model, sm)) / (2 * h);
      max_err = std::max(max_err, std::abs(fd - f[i][a].item<double>()));
      max_f = std::max(max_f, std::abs(fd));
    }
  ASSERT_GT(max_f, 1e-3) << "forces vanish: the test would test nothing";
  EXPECT_LT(max_err / max_f, 1e-6);
}

TEST_P(PotentialTest, StressMatchesFiniteDifferences) {
  Structure s = distorted_nacl(3);
  Request r;
  r.stress = true;
  auto stress = predict(model, s, r).stress[0];
  const double h = 1e-5, volume = s.volume();
  double max_err = 0, max_s = 0;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      auto strained = [&](double e) {
        Mat3 d = Mat3::Identity();
        d(a, b) += 0.5 * e;
        d(b, a) += 0.5 * e;
        Structure t = s;
        for (auto& x : t.positions) x = d.transpose() * x;  // r -> r (1 + eps), row vectors
        t.cell = s.cell * d;
        return energy_of(model, t);
      };
      double fd = (strained(h) - strained(-h)) / (2 * h) / volume;
      max_err = std::max(max_err, std::abs(fd - stress[a][b].item<double>()));
      max_s = std::max(max_s, std::abs(fd));
    }
  ASSERT_GT(max_s, 1e-5);
  EXPECT_LT(max_err / max_s, 1e-6);
}

INSTANTIATE_TEST_SUITE_P(ShortAndLongRange, PotentialTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "LongRange" : "ShortRange"; });

}  // namespace
}  // namespace lnet
