// Equivariance of the building blocks: harmonics are orthonormal, couplings commute with
// rotations, and every degree of the layer outputs rotates with its Wigner matrix.
#include <gtest/gtest.h>

#include "lnet/nn/network.hpp"
#include "lnet/nn/spherical.hpp"

namespace lnet::nn {
namespace {

torch::Tensor random_rotation(int seed) {
  torch::manual_seed(seed);
  auto q = std::get<0>(torch::linalg::qr(torch::randn({3, 3}, torch::kFloat64), "reduced"));
  if (torch::det(q).item<double>() < 0) q = -q;  // proper rotation
  return q;
}

TEST(SphericalHarmonics, ComponentNormalisedAndOrthogonal) {
  torch::manual_seed(0);
  auto v = torch::randn({200000, 3}, torch::kFloat64);
  auto y = torch::cat(spherical_harmonics(v, 3), 1);  // [P, 16]
  auto gram = y.t().matmul(y) / v.size(0);            // Monte Carlo sphere average
  // Monte Carlo error ~ 1/sqrt(2e5) * O(few) ~ 0.02.
  EXPECT_LT((gram - torch::eye(16, torch::kFloat64)).abs().max().item<double>(), 0.05);
  auto sum_sq = spherical_harmonics(v, 3)[3].pow(2).sum(1);
  EXPECT_LT((sum_sq - 7.0).abs().max().item<double>(), 1e-12);
}

TEST(SphericalHarmonics, WignerMatricesAreOrthogonalAndL1IsTheRotation) {
  auto r = random_rotation(1);
  EXPECT_LT((wigner_d(1, r) - r).abs().max().item<double>(), 1e-12);
  for (int l = 0; l <= 3; ++l) {
    auto d = wigner_d(l, r);
    EXPECT_LT((d.matmul(d.t()) - torch::eye(2 * l + 1, torch::kFloat64)).abs().max().item<double>(),
              1e-10)
        << "l = " << l;
  }
}

TEST(Coupling, CommutesWithRotations) {
  auto r = random_rotation(2);
  int checked = 0;
  for (int l1 = 0; l1 <= 3; ++l1)
    for (int l2 = 0; l2 <= 3; ++l2)
      for (int l3 = 0; l3 <= 3; ++l3) {
        if (!coupling_allowed(l1, l2, l3)) continue;
        auto c = coupling(l1, l2, l3, torch::kFloat64);
        EXPECT_NEAR(c.pow(2).sum().item<double>(), 2 * l3 + 1, 1e-10);
        auto rotated = torch::einsum("ia,jb,kc,abc->ijk",
                                     {wigner_d(l1, r), wigner_d(l2, r), wigner_d(l3, r), c});
        EXPECT_LT((rotated - c).abs().max().item<double>(), 1e-10)
            << l1 << " x " << l2 << " -> " << l3;
        ++checked;
      }
  EXPECT_GT(checked, 15);
}

// Random cluster, full neighbour graph within the cutoff.
struct Cluster {
  torch::Tensor pos, species, sender, receiver;
};

Cluster make_cluster(int n, int seed) {
  torch::manual_seed(seed);
  Cluster c;
  c.pos = torch::randn({n, 3}, torch::kFloat64) * 1.5;
  c.species = torch::randint(0, 2, {n}, torch::kLong);
  std::vector<int64_t> s, r;
  auto p = c.pos.accessor<double, 2>();
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      if (i == j) continue;
      double d2 = 0;
      for (int k = 0; k < 3; ++k) d2 += (p[i][k] - p[j][k]) * (p[i][k] - p[j][k]);
      if (d2 < 16.0) {
        r.push_back(i);
        s.push_back(j);
      }
    }
  c.sender = torch::tensor(s, torch::kLong);
  c.receiver = torch::tensor(r, torch::kLong);
  return c;
}

TEST(Network, FeaturesRotateWithWignerMatrices) {
  infer::NetworkSpec config;
  config.cutoff = 4.0;
  config.l_max = 3;
  config.l_hidden = 3;
  config.channels = 8;
  config.layers = 2;
  torch::manual_seed(7);
  EquivariantNetwork net(config, 2, 5.0, 3);
  net->to(torch::kFloat64);
  auto c = make_cluster(12, 3);
  auto r = random_rotation(4);
  auto vec = [&](const torch::Tensor& pos) {
    return pos.index_select(0, c.sender) - pos.index_select(0, c.receiver);
  };
  auto f = net->forward(c.species, vec(c.pos), c.sender, c.receiver, 12);
  auto fr = net->forward(c.species, vec(c.pos.matmul(r.t())), c.sender, c.receiver, 12);
  for (int l = 0; l <= 3; ++l) {
    auto expected = torch::einsum("ab,nbc->nac", {wigner_d(l, r), f.back()[l]});
    double scale = f.back()[l].abs().max().item<double>();
    ASSERT_GT(scale, 1e-6) << "degree " << l << " is identically zero: nothing was tested";
    // float64 with O(100) operations: agreement to ~1e-12 relative.
    EXPECT_LT((fr.back()[l] - expected).abs().max().item<double>() / scale, 1e-10) << "l = " << l;
  }
}

}  // namespace
}  // namespace lnet::nn
