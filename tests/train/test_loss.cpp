// The loss of DESIGN.md §2: missing labels drop out, and the polarization term is folded
// modulo the polarization quantum e·R (R a lattice vector).
#include <gtest/gtest.h>

#include "lnet/train/loss.hpp"

namespace lnet {
namespace {

Structure cell_with_labels() {
  Structure s;
  s.cell << 4.0, 0.0, 0.0, 1.0, 5.0, 0.0, 0.5, 0.3, 6.0;
  s.pbc = {true, true, true};
  s.numbers = {11, 17};
  s.positions = {Vec3(0.1, 0.2, 0.3), Vec3(2.0, 2.5, 3.0)};
  return s;
}

ModelConfig config() {
  ModelConfig c;
  c.species = {11, 17};
  c.network_a = {3.0, 4, 5, 1, 1, 4, 1, 1, 8};
  c.network_b = {3.0, 4, 5, 1, 1, 4, 1, 1, 8};
  c.long_range = true;
  c.charges = {{11, 1.0}, {17, -1.0}};
  return c;
}

TEST(Loss, PolarizationIsFoldedModuloTheQuantum) {
  torch::manual_seed(2);
  Potential model(config());
  Structure s = cell_with_labels();
  Batch b0 = make_batch({&s}, model->config());
  Request r;
  r.forces = false;
  Prediction p = model->forward(b0, r);
  LossWeights w{0, 0, 0, 0, 1.0};
  auto m = p.polarization[0];
  Vec3 predicted(m[0].item<double>(), m[1].item<double>(), m[2].item<double>());
  // Reference = prediction shifted by a whole lattice vector (2a - c): no error after folding.
  s.dipole = Vec3(predicted + 2 * s.cell.row(0).transpose() - s.cell.row(2).transpose());
  EXPECT_LT(loss_of(make_batch({&s}, model->config()), p, w).item<double>(), 1e-20);
  // A shift of 0.1 Å·e along x (much less than half a lattice vector) is an error of 0.01.
  s.dipole = Vec3(predicted + Vec3(0.1, 0, 0) + s.cell.row(1).transpose());
  EXPECT_NEAR(loss_of(make_batch({&s}, model->config()), p, w).item<double>(), 0.01, 1e-12);
}

// An open structure has no polarization quantum: no folding, and no singular solve with its
// zero cell (it threw before), also next to a periodic one in the same batch.
TEST(Loss, PolarizationOfOpenStructuresIsNotFolded) {
  torch::manual_seed(3);
  Potential model(config());
  Structure open = cell_with_labels();
  open.cell = Mat3::Zero();
  open.pbc = {false, false, false};
  Structure periodic = cell_with_labels();
  Request r;
  r.forces = false;
  Prediction p = model->forward(make_batch({&open, &periodic}, model->config()), r);
  const auto m = p.polarization[0];
  const Vec3 predicted(m[0].item<double>(), m[1].item<double>(), m[2].item<double>());
  open.dipole = Vec3(predicted + Vec3(0, 30.0, 0));  // far beyond any fold
  LossWeights w{0, 0, 0, 0, 1.0};
  // Mean over the one labelled structure: 30² = 900.
  EXPECT_NEAR(loss_of(make_batch({&open, &periodic}, model->config()), p, w).item<double>(), 900.0,
              1e-9);
}

TEST(Loss, MissingLabelsDropOut) {
  torch::manual_seed(2);
  Potential model(config());
  Structure labelled = cell_with_labels(), bare = cell_with_labels();
  labelled.energy = 1.0;
  Batch b = make_batch({&labelled, &bare}, model->config());
  Request r;
  r.forces = false;
  Prediction p = model->forward(b, r);
  LossWeights w{1.0, 0, 0, 0, 0};
  // Only the labelled structure counts: ((E - 1)/N)^2 with N = 2.
  const double e = p.energy[0].item<double>();
  EXPECT_NEAR(loss_of(b, p, w).item<double>(), std::pow((e - 1.0) / 2, 2), 1e-12);
}

TEST(Loss, StructureWithoutNeighboursHasZeroShortRangeForces) {
  torch::manual_seed(2);
  ModelConfig c = config();
  c.long_range = false;
  Potential model(c);
  Structure s = cell_with_labels();  // nearest distance ~4 Å > cutoff 3 Å: no edges
  Batch b = make_batch({&s}, model->config());
  Request r;
  r.stress = true;
  Prediction p = model->forward(b, r);
  EXPECT_EQ(p.forces.abs().max().item<double>(), 0.0);
  EXPECT_EQ(p.stress.abs().max().item<double>(), 0.0);
}

}  // namespace
}  // namespace lnet
