// lnet::Calculator with the inference engine (the default) equals the calculator on the
// reference path, and falls back to the reference for configs the engine does not support
//.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "infer/engine_fixtures.hpp"
#include "lnet/core/error.hpp"
#include "lnet/model/calculator.hpp"
#include "lnet/model/model_file.hpp"

namespace lnet {
namespace {

using namespace lnet::testing;

std::string save_temp(Potential model, const std::string& tag) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("lnet_infer_" + tag + "_" + std::to_string(::getpid()) + ".lnet"))
                               .string();
  save_model(model, path);
  return path;
}

class CalculatorEngineTest : public ::testing::TestWithParam<int> {};

// 0: short range; 1: long range with fixed charges; 2: long range with learned charges.
TEST_P(CalculatorEngineTest, FastEqualsReference) {
  const int kind = GetParam();
  torch::manual_seed(40 + kind);
  ModelConfig c = engine_config({2, 3, 2, 1}, kind > 0, kind == 2);
  const std::string path = save_temp(Potential(c), std::to_string(kind));
  CalculatorOptions ref_options;
  ref_options.engine = "reference";
  CalculatorOptions exact_options;
  exact_options.radial_table = 0;
  Calculator fast(path, exact_options), table(path), ref(path, ref_options);
  std::filesystem::remove(path);
  EXPECT_EQ(fast.info().engine, "fast");
  EXPECT_EQ(ref.info().engine, "reference");
  Structure s = random_structure(12, 10, 6.0, true);
  const Vec3 field(0.02, -0.05, 0.03);
  EvalRequest req;
  req.virial = true;
  for (int step = 0; step < 3; ++step) {  // kept Verlet list and electrostatics parameters
    const Evaluation a = fast.evaluate(s, field, req), b = ref.evaluate(s, field, req);
    // Same pairs, same electrostatics parameters: rounding only (1e-10 relative).
    EXPECT_NEAR(a.energy, b.energy, 1e-10 * std::abs(b.energy));
    EXPECT_LT(rel_error(a.forces, b.forces, 1e-3), 1e-10);
    EXPECT_LT((*a.virial - *b.virial).cwiseAbs().maxCoeff(),
              1e-10 * std::max(1e-3, b.virial->cwiseAbs().maxCoeff()));
    // The default tabulated radial MLP: within its stated error, 1e-8 relative.
    const Evaluation t = table.evaluate(s, field, req);
    EXPECT_NEAR(t.energy, b.energy, 1e-8 * std::abs(b.energy));
    EXPECT_LT(rel_error(t.forces, b.forces, 1e-3), 1e-8);
    ASSERT_EQ(a.dipole.has_value(), b.dipole.has_value());
    if (b.dipole) {
      EXPECT_LT((*a.dipole - *b.dipole).cwiseAbs().maxCoeff(), 1e-10 * b.dipole->norm());
      EXPECT_LT(rel_error(a.atomic_dipoles, b.atomic_dipoles, 1e-3), 1e-10);
      ASSERT_EQ(a.charges.size(), b.charges.size());
      for (std::size_t i = 0; i < b.charges.size(); ++i)
        EXPECT_NEAR(a.charges[i], b.charges[i], 1e-10);
    }
    for (std::size_t i = 0; i < s.size(); ++i) s.positions[i](step % 3) += 0.03 * (i % 2 ? 1 : -1);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, CalculatorEngineTest, ::testing::Values(0, 1, 2));

// Born charges from the fast engine (engine: fast, with no reference to fall back to) equal the
// reference's to 1e-10 (the same graph, sums in another order), fixed and learned charges, in a
// field, over steps that keep the Verlet list.
TEST(CalculatorEngine, FastBornChargesEqualTheReference) {
  for (const bool learn : {false, true}) {
    torch::manual_seed(50 + learn);
    const ModelConfig c = engine_config({2, 3, 2, 1}, true, learn);
    const std::string path = save_temp(Potential(c), learn ? "bec_learned" : "bec_fixed");
    CalculatorOptions fast_only, ref_options;
    fast_only.engine = "fast";
    fast_only.radial_table = 0;
    ref_options.engine = "reference";
    Calculator fast(path, fast_only), ref(path, ref_options);
    std::filesystem::remove(path);
    Structure s = random_structure(13, 10, 6.0, true);
    const Vec3 field(0.02, -0.05, 0.03);
    EvalRequest req;
    req.bec = true;
    for (int step = 0; step < 2; ++step) {
      const Evaluation a = fast.evaluate(s, field, req), b = ref.evaluate(s, field, req);
      ASSERT_EQ(a.bec.size(), s.size());
      ASSERT_EQ(b.bec.size(), s.size());
      double err = 0, scale = 0;
      for (std::size_t i = 0; i < s.size(); ++i) {
        err = std::max(err, (a.bec[i] - b.bec[i]).cwiseAbs().maxCoeff());
        scale = std::max(scale, b.bec[i].cwiseAbs().maxCoeff());
      }
      EXPECT_GT(scale, 0.1);
      EXPECT_LT(err, 1e-10 * scale) << (learn ? "learned" : "fixed") << " charges, step " << step;
      for (std::size_t i = 0; i < s.size(); ++i) s.positions[i](step) += 0.02 * (i % 2 ? 1 : -1);
    }
  }
}

// The fast engine's torch-free electrostatics (infer::Coulomb over the calculator's Verlet list)
// against the reference path, for each solver: Ewald and PME on a periodic cell, the direct sum
// on an open one; over steps that keep the parameters and the Verlet list.
class CalculatorElectrostaticsTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CalculatorElectrostaticsTest, FastEqualsReference) {
  const std::string method = GetParam();
  torch::manual_seed(77);
  const std::string path =
      save_temp(Potential(engine_config({1, 2, 2, 1}, true, true)), "es_" + method);
  CalculatorOptions fast_options, ref_options;
  fast_options.radial_table = 0;
  ref_options.engine = "reference";
  for (CalculatorOptions* o : {&fast_options, &ref_options}) {
    o->es_method = method;
    o->es_accuracy = 1e-6;
  }
  Calculator fast(path, fast_options), ref(path, ref_options);
  std::filesystem::remove(path);
  Structure s = random_structure(5, 16, 7.0, method != "direct");
  const Vec3 field(0.01, 0.02, -0.03);
  EvalRequest req;
  req.virial = true;
  for (int step = 0; step < 3; ++step) {
    const Evaluation a = fast.evaluate(s, field, req), b = ref.evaluate(s, field, req);
    // Same function and parameters, sums in another order: rounding (1e-10 relative).
    EXPECT_NEAR(a.energy, b.energy, 1e-10 * std::abs(b.energy));
    EXPECT_LT(rel_error(a.forces, b.forces, 1e-3), 1e-10);
    EXPECT_LT((*a.virial - *b.virial).cwiseAbs().maxCoeff(),
              1e-10 * std::max(1e-3, b.virial->cwiseAbs().maxCoeff()));
    EXPECT_LT((*a.dipole - *b.dipole).cwiseAbs().maxCoeff(), 1e-10 * b.dipole->norm());
    for (std::size_t i = 0; i < s.size(); ++i) s.positions[i](step % 3) += 0.05 * (i % 2 ? 1 : -1);
  }
}

INSTANTIATE_TEST_SUITE_P(Methods, CalculatorElectrostaticsTest,
                         ::testing::Values("ewald", "pme", "direct"));

TEST(CalculatorEngine, Float32IsCloseToFloat64) {
  torch::manual_seed(47);
  const std::string path = save_temp(Potential(engine_config({2, 2, 2, 1}, true, true)), "f32");
  CalculatorOptions single;
  single.dtype = "float32";
  Calculator a(path, single), b(path);
  std::filesystem::remove(path);
  const Structure s = random_structure(13, 10, 6.0, true);
  EvalRequest req;
  const Evaluation x = a.evaluate(s, Vec3::Zero(), req), y = b.evaluate(s, Vec3::Zero(), req);
  EXPECT_NEAR(x.energy, y.energy, 1e-5 * std::abs(y.energy));
  EXPECT_LT(rel_error(x.forces, y.forces, 1e-3), 1e-5);
}

TEST(CalculatorEngine, UnknownEngineIsAnError) {
  torch::manual_seed(48);
  const std::string path = save_temp(Potential(engine_config({1, 1, 1, 0}, false, false)), "bad");
  CalculatorOptions o;
  o.engine = "turbo";
  EXPECT_THROW(Calculator calc(path, o), InputError);
  std::filesystem::remove(path);
}

// A config field the engine does not reproduce (here the polarizable extension) sends the
// calculator to the reference path instead of computing something else.
TEST(CalculatorEngine, UnsupportedConfigFallsBackToTheReference) {
  ModelConfig c = engine_config({1, 2, 1, 1}, true, false);
  EXPECT_FALSE(infer_unsupported(c));
  c.polarizable = true;
  EXPECT_TRUE(infer_unsupported(c));
  torch::manual_seed(49);
  const std::string path = save_temp(Potential(c), "polar");
  Calculator calc(path);
  std::filesystem::remove(path);
  EXPECT_EQ(calc.info().engine, "reference");
}

}  // namespace
}  // namespace lnet
