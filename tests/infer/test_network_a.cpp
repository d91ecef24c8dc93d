// Network A through the inference engine equals the reference (autograd) path for energy,
// forces and virial on random models of every supported shape, periodic and open cells and a
// small cell with many images; float32 agrees with float64; forces are the engine's own
// energy gradient.
#include <gtest/gtest.h>

#include "infer/engine_fixtures.hpp"

namespace lnet {
namespace {

using namespace lnet::testing;

struct Case {
  Shape shape;
  int structure;  // 0 periodic, 1 open cluster, 2 small cell with many images
};

Structure structure_for(int kind, int seed) {
  if (kind == 0) return random_structure(seed, 10, 6.0, true);
  if (kind == 1) return random_structure(seed, 9, 6.0, false);
  return random_structure(seed, 2, 2.6, true);  // cutoff 3.5 Å > cell: many images
}

class NetworkATest : public ::testing::TestWithParam<Case> {};

// float64, same graph: only summation order differs, so 1e-10 relative is generous (rounding
// is ~1e-15 per operation over a few thousand terms).
TEST_P(NetworkATest, EqualsTheReference) {
  const Case k = GetParam();
  torch::manual_seed(7 + k.shape.l_max + 10 * k.shape.correlation);
  ModelConfig c = engine_config(k.shape, false, false);
  Potential model(c);
  infer::EngineModel<double> engine(infer_weights(model));
  const Structure s = structure_for(k.structure, 3 + k.shape.layers);
  std::optional<es::Parameters> params;
  const Values ref = reference_values(model, s, Vec3::Zero(), params);
  const Values got = engine_values(engine, c, s, Vec3::Zero(), params);
  EXPECT_NEAR(got.energy, ref.energy, 1e-10 * std::abs(ref.energy));
  RecordProperty("force_error", sci(rel_error(got.forces, ref.forces, 1e-3)));
  EXPECT_LT(rel_error(got.forces, ref.forces, 1e-3), 1e-10);
  EXPECT_LT((got.virial - ref.virial).cwiseAbs().maxCoeff(),
            1e-10 * std::max(1e-3, ref.virial.cwiseAbs().maxCoeff()));
  // float32 within 1e-5 relative of float64 (float32 rounding ~6e-8 per operation).
  infer::EngineModel<float> single(infer_weights(model));
  const Values f32 = engine_values(single, c, s, Vec3::Zero(), params);
  EXPECT_NEAR(f32.energy, got.energy, 1e-5 * std::abs(got.energy));
  RecordProperty("float32_force_error", sci(rel_error(f32.forces, got.forces, 1e-3)));
  EXPECT_LT(rel_error(f32.forces, got.forces, 1e-3), 1e-5);
  EXPECT_LT((f32.virial - got.virial).cwiseAbs().maxCoeff(),
            1e-5 * std::max(1e-3, got.virial.cwiseAbs().maxCoeff()));
}

INSTANTIATE_TEST_SUITE_P(Shapes, NetworkATest,
                         ::testing::Values(Case{{0, 1, 1, 0}, 0}, Case{{0, 3, 2, 0}, 1},
                                           Case{{1, 2, 2, 1}, 0}, Case{{1, 3, 1, 1}, 2},
                                           Case{{2, 3, 2, 1}, 0}, Case{{2, 1, 3, 2}, 1},
                                           Case{{2, 3, 2, 2}, 2}, Case{{3, 2, 2, 1}, 0},
                                           Case{{3, 3, 3, 3}, 1}, Case{{3, 3, 2, 2}, 2}));

// Central differences of the engine's own energy: step 1e-4 Å, error O(h²) ~ 1e-8 eV/Å times
// the third derivative; 1e-6 absolute leaves room for it.
TEST(NetworkA, ForcesAreTheEnergyGradient) {
  torch::manual_seed(11);
  ModelConfig c = engine_config({3, 3, 2, 2}, false, false);
  Potential model(c);
  infer::EngineModel<double> engine(infer_weights(model));
  Structure s = structure_for(0, 5);
  std::optional<es::Parameters> params;
  const Values v = engine_values(engine, c, s, Vec3::Zero(), params);
  const double h = 1e-4;
  for (std::size_t i = 0; i < s.size(); i += 3)
    for (int a = 0; a < 3; ++a) {
      Structure p = s, m = s;
      p.positions[i](a) += h;
      m.positions[i](a) -= h;
      const double fd = -(engine_values(engine, c, p, Vec3::Zero(), params).energy -
                          engine_values(engine, c, m, Vec3::Zero(), params).energy) /
                        (2 * h);
      EXPECT_NEAR(v.forces[i](a), fd, 1e-6) << "atom " << i << " axis " << a;
    }
  // Virial: W = -dE/d(strain), strain applied to positions and cell.
  for (int a = 0; a < 3; ++a)
    for (int b = a; b < 3; ++b) {
      Mat3 e = Mat3::Zero();
      e(a, b) = e(b, a) = a == b ? h : 0.5 * h;  // deform = 1 + sym(strain)
      auto strained = [&](double sign) {
        Structure t = s;
        const Mat3 d = Mat3::Identity() + sign * e;
        for (auto& r : t.positions) r = (r.transpose() * d).transpose();
        t.cell = t.cell * d;
        return engine_values(engine, c, t, Vec3::Zero(), params).energy;
      };
      const double fd = -(strained(1) - strained(-1)) / (2 * h);
      EXPECT_NEAR(v.virial(a, b), fd, 1e-6 * std::max(1.0, std::abs(fd)));
    }
}

}  // namespace
}  // namespace lnet

namespace lnet {
namespace {

using namespace lnet::testing;

// The tabulated radial MLP (cubic Hermite on 4096 intervals of [0, rc], h = 0.85e-3 Å): the
// interpolation error, O(h^4), was measured at 1.6e-8 relative in the forces with 2048
// intervals, so ~1e-9 with 4096; the stated error of the table is 1e-8 relative.
TEST(NetworkA, TabulatedRadialIsWithinItsStatedError) {
  torch::manual_seed(21);
  for (const Shape shape : {Shape{2, 3, 2, 1}, Shape{3, 2, 3, 2}}) {
    ModelConfig c = engine_config(shape, false, false);
    Potential model(c);
    infer::EngineModel<double> exact(infer_weights(model));
    infer::NetworkOptions o;
    o.radial_table = 4096;
    infer::EngineModel<double> table(infer_weights(model), o);
    const Structure s = random_structure(8, 10, 6.0, true);
    std::optional<es::Parameters> params;
    const Values a = engine_values(exact, c, s, Vec3::Zero(), params);
    const Values b = engine_values(table, c, s, Vec3::Zero(), params);
    EXPECT_NEAR(b.energy, a.energy, 1e-8 * std::abs(a.energy));
    RecordProperty("table_force_error", sci(rel_error(b.forces, a.forces, 1e-3)));
    EXPECT_LT(rel_error(b.forces, a.forces, 1e-3), 1e-8);
    EXPECT_LT((b.virial - a.virial).cwiseAbs().maxCoeff(),
              1e-8 * std::max(1e-3, a.virial.cwiseAbs().maxCoeff()));
  }
}

}  // namespace
}  // namespace lnet
