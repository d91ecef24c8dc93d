// The full long-range model (networks A and B, charges by transfers, dipoles, electrostatics,
// field coupling -E·M) through the inference engine equals the reference (autograd) path for
// energy, forces, virial, charges, dipoles and the Born dipole M.
#include <gtest/gtest.h>

#include "infer/engine_fixtures.hpp"

namespace lnet {
namespace {

using namespace lnet::testing;

struct Case {
  Shape b;
  bool learn_charges;
  bool periodic;
};

class LongRangeTest : public ::testing::TestWithParam<Case> {};

// Same graph and the same electrostatics code at the same parameters: 1e-10 relative.
TEST_P(LongRangeTest, EqualsTheReference) {
  const Case k = GetParam();
  torch::manual_seed(5 + k.b.l_max + 10 * k.b.correlation);
  ModelConfig c = engine_config({2, 2, 2, 1}, true, k.learn_charges, k.b);
  Potential model(c);
  infer::EngineModel<double> engine(infer_weights(model));
  const Structure s = random_structure(17 + k.b.layers, 10, 6.0, k.periodic);
  const Vec3 field(0.05, -0.03, 0.08);
  std::optional<es::Parameters> params;
  const Values ref = reference_values(model, s, field, params);
  const Values got = engine_values(engine, c, s, field, params);
  EXPECT_NEAR(got.energy, ref.energy, 1e-10 * std::abs(ref.energy));
  RecordProperty("force_error", sci(rel_error(got.forces, ref.forces, 1e-3)));
  EXPECT_LT(rel_error(got.forces, ref.forces, 1e-3), 1e-10);
  EXPECT_LT((got.virial - ref.virial).cwiseAbs().maxCoeff(),
            1e-10 * std::max(1e-3, ref.virial.cwiseAbs().maxCoeff()));
  EXPECT_LT(rel_error(got.dipoles, ref.dipoles, 1e-3), 1e-10);
  EXPECT_LT((got.m - ref.m).cwiseAbs().maxCoeff(), 1e-10 * ref.m.cwiseAbs().maxCoeff());
  ASSERT_EQ(got.charges.size(), ref.charges.size());
  for (std::size_t i = 0; i < ref.charges.size(); ++i)
    EXPECT_NEAR(got.charges[i], ref.charges[i], 1e-10);
  // float32 networks (electrostatics in float64) within 1e-5 relative of float64.
  infer::EngineModel<float> single(infer_weights(model));
  const Values f32 = engine_values(single, c, s, field, params);
  EXPECT_NEAR(f32.energy, got.energy, 1e-5 * std::abs(got.energy));
  RecordProperty("float32_force_error", sci(rel_error(f32.forces, got.forces, 1e-3)));
  EXPECT_LT(rel_error(f32.forces, got.forces, 1e-3), 1e-5);
  EXPECT_LT(rel_error(f32.dipoles, got.dipoles, 1e-3), 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Shapes, LongRangeTest,
                         ::testing::Values(Case{{1, 1, 1, 0}, false, true},
                                           Case{{1, 2, 2, 1}, true, true},
                                           Case{{2, 3, 2, 1}, true, false},
                                           Case{{3, 3, 3, 2}, true, true},
                                           Case{{2, 2, 2, 0}, false, false}));

// The field forces: F(E) - F(0) from the engine equals Z*ᵀE of the reference Born charges
// (forces are linear in E at fixed geometry).
TEST(LongRange, FieldForcesAreBornChargesTimesField) {
  torch::manual_seed(3);
  ModelConfig c = engine_config({1, 2, 1, 1}, true, true);
  Potential model(c);
  infer::EngineModel<double> engine(infer_weights(model));
  Structure s = random_structure(4, 8, 6.0, true);
  const Vec3 field(0.1, 0.05, -0.07);
  std::optional<es::Parameters> params;
  const Values ref = reference_values(model, s, Vec3::Zero(), params);
  const Values f0 = engine_values(engine, c, s, Vec3::Zero(), params);
  const Values fe = engine_values(engine, c, s, field, params);
  Request r;
  r.bec = true;
  r.es_parameters = {*params};
  const Prediction p = predict(model, s, r);
  for (std::size_t i = 0; i < s.size(); ++i) {
    Mat3 z;
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) z(a, b) = p.bec[i][a][b].item<double>();
    const Vec3 expect = z.transpose() * field;
    EXPECT_LT((fe.forces[i] - f0.forces[i] - expect).cwiseAbs().maxCoeff(), 1e-10);
  }
}

// Central differences of the engine's own energy with charges, dipoles and a field.
TEST(LongRange, ForcesAreTheEnergyGradient) {
  torch::manual_seed(9);
  ModelConfig c = engine_config({2, 3, 2, 1}, true, true, Shape{2, 3, 2, 1});
  Potential model(c);
  infer::EngineModel<double> engine(infer_weights(model));
  Structure s = random_structure(6, 8, 6.0, true);
  const Vec3 field(0.05, 0.02, -0.04);
  std::optional<es::Parameters> params;
  const Values v = engine_values(engine, c, s, field, params);
  const double h = 1e-4;  // error O(h²) ~ 1e-8
  for (std::size_t i = 0; i < s.size(); i += 3)
    for (int a = 0; a < 3; ++a) {
      Structure p = s, m = s;
      p.positions[i](a) += h;
      m.positions[i](a) -= h;
      const double fd = -(engine_values(engine, c, p, field, params).energy -
                          engine_values(engine, c, m, field, params).energy) /
                        (2 * h);
      EXPECT_NEAR(v.forces[i](a), fd, 1e-6) << "atom " << i << " axis " << a;
    }
}

}  // namespace
}  // namespace lnet
