// The calculator's engines chosen by capability (auto, fast, reference) and the per-atom
// energies and virials of the CPU engine, which sum to the totals: short range, long range
// with Ewald, PME (in a field) and the open-boundary direct sum, float64.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/error_of.hpp"
#include "infer/engine_fixtures.hpp"
#include "lnet/core/error.hpp"
#include "lnet/model/calculator.hpp"
#include "lnet/model/engine.hpp"
#include "lnet/model/model_file.hpp"

namespace lnet {
namespace {

using namespace lnet::testing;

std::string save_temp(Potential model, const std::string& tag) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("lnet_atoms_" + tag + "_" + std::to_string(::getpid()) + ".lnet"))
                               .string();
  save_model(model, path);
  return path;
}

double max_abs(const Mat3& m) { return m.cwiseAbs().maxCoeff(); }

TEST(EngineChoice, FastRefusesWhatItCannotGiveNamingTheCapability) {
  torch::manual_seed(60);
  const std::string path = save_temp(Potential(engine_config({1, 2, 2, 1}, true, true)), "fast");
  CalculatorOptions o;
  o.engine = "fast";
  Calculator calc(path, o);
  std::filesystem::remove(path);
  EXPECT_NE(
      error_of([&] { calc.hessian(random_structure(3, 6, 6.0, true)); }).find("capability hessian"),
      std::string::npos);
}

TEST(EngineChoice, ReferenceRefusesPerAtomQuantities) {
  torch::manual_seed(61);
  const std::string path = save_temp(Potential(engine_config({1, 2, 2, 1}, false, false)), "ref");
  CalculatorOptions o;
  o.engine = "reference";
  Calculator calc(path, o);
  std::filesystem::remove(path);
  EvalRequest r;
  r.atom_energies = true;
  const std::string msg =
      error_of([&] { calc.evaluate(random_structure(3, 6, 6.0, true), {}, r); });
  EXPECT_NE(msg.find("engine reference cannot give per-atom energies"), std::string::npos) << msg;
  EXPECT_FALSE(calc.supports(r));
  EXPECT_NE(msg.find("capability atom_energies"), std::string::npos) << msg;
}

// auto: the CPU engine for what it can give (Born charges included), the reference for the
// rest (the Hessian), per request, with results equal to the reference engine's (1e-10
// relative: same function, other sums).
TEST(EngineChoice, AutoPicksTheEnginePerRequest) {
  torch::manual_seed(62);
  const std::string path = save_temp(Potential(engine_config({1, 2, 2, 1}, true, true)), "auto");
  CalculatorOptions exact, ref_options;
  exact.radial_table = 0;  // the MLP per edge: equal to the reference to rounding
  ref_options.engine = "reference";
  Calculator calc(path, exact), ref(path, ref_options);
  std::filesystem::remove(path);
  EXPECT_EQ(calc.info().engine, "fast");
  const Structure s = random_structure(8, 10, 6.0, true);
  const Vec3 field(0.01, -0.02, 0.03);
  EvalRequest plain;
  plain.virial = true;
  EvalRequest born = plain;
  born.bec = true;
  for (const EvalRequest* r : {&plain, &born, &plain}) {
    const Evaluation a = calc.evaluate(s, field, *r), b = ref.evaluate(s, field, *r);
    EXPECT_EQ(calc.info().engine, "fast");
    EXPECT_NEAR(a.energy, b.energy, 1e-10 * std::abs(b.energy));
    EXPECT_LT(rel_error(a.forces, b.forces, 1e-3), 1e-10);
    EXPECT_LT(max_abs(*a.virial - *b.virial), 1e-10 * std::max(1e-3, max_abs(*b.virial)));
    EXPECT_EQ(a.bec.size(), r->bec ? s.size() : 0u);
    for (std::size_t i = 0; i < a.bec.size(); ++i)
      EXPECT_LT(max_abs(a.bec[i] - b.bec[i]), 1e-10 * std::max(1.0, max_abs(b.bec[i])));
  }
  calc.hessian(s);
  EXPECT_EQ(calc.info().engine, "reference");
  calc.evaluate(s, field, plain);
  EXPECT_EQ(calc.info().engine, "fast");
}

// auto with Born charges and per-atom energies, one evaluation: the per-atom energies still sum
// to the energy (1e-10: the engines agree to rounding).
TEST(EngineChoice, AutoCombinesEnginesForPerAtomQuantities) {
  torch::manual_seed(64);
  const std::string path = save_temp(Potential(engine_config({1, 2, 2, 1}, true, true)), "mix");
  CalculatorOptions exact;
  exact.radial_table = 0;
  Calculator calc(path, exact);
  std::filesystem::remove(path);
  const Structure s = random_structure(9, 10, 6.0, true);
  EvalRequest r;
  r.bec = true;
  r.virial = true;
  r.atom_energies = true;
  r.atom_virials = true;
  EXPECT_TRUE(calc.supports(r));
  const Evaluation e = calc.evaluate(s, Vec3(0.01, 0.0, -0.02), r);
  EXPECT_EQ(e.bec.size(), s.size());
  ASSERT_EQ(e.atom_energies.size(), s.size());
  double energy = 0;
  Mat3 virial = Mat3::Zero();
  for (std::size_t i = 0; i < s.size(); ++i) {
    energy += e.atom_energies[i];
    virial += e.atom_virials[i];
  }
  EXPECT_NEAR(energy, e.energy, 1e-10 * std::abs(e.energy));
  EXPECT_LT(max_abs(virial - *e.virial), 1e-10 * max_abs(*e.virial));
}

// Tuning errors of the CPU engine name the caller's settings (here lnet eval's options).
TEST(EngineChoice, TuningErrorsNameTheCallersSettings) {
  torch::manual_seed(65);
  const std::string path = save_temp(Potential(engine_config({1, 2, 2, 1}, true, true)), "names");
  CalculatorOptions o;
  o.engine = "fast";
  o.es_method = "ewald";
  o.es_method_setting = "--es-method";
  o.es_accuracy_setting = "--es-accuracy";
  Calculator calc(path, o);
  std::filesystem::remove(path);
  const std::string msg =
      error_of([&] { calc.evaluate(random_structure(3, 6, 6.0, false), {}, {}); });
  EXPECT_NE(msg.find("set --es-method to direct or auto"), std::string::npos) << msg;
}

struct Case {
  std::string name;
  bool long_range;
  std::string method;  // electrostatics; "direct": an open structure
  Vec3 field;
};

class AtomQuantitiesTest : public ::testing::TestWithParam<Case> {};

// Per-atom energies sum to the energy and per-atom virials to the virial (1e-10 relative:
// the same terms summed in another order), with the totals those of a plain request.
TEST_P(AtomQuantitiesTest, SumToTheTotals) {
  const Case& k = GetParam();
  torch::manual_seed(63);
  const std::string path =
      save_temp(Potential(engine_config({2, 2, 2, 1}, k.long_range, true)), k.name);
  CalculatorOptions o;
  o.engine = "fast";
  if (k.long_range) {
    o.es_method = k.method;
    o.es_accuracy = 1e-6;
  }
  Calculator calc(path, o);
  std::filesystem::remove(path);
  Structure s = random_structure(21, 12, 6.5, k.method != "direct");
  EvalRequest plain;
  plain.virial = true;
  EvalRequest atoms = plain;
  atoms.atom_energies = true;
  atoms.atom_virials = true;
  for (int step = 0; step < 2; ++step) {
    const Evaluation e = calc.evaluate(s, k.field, atoms), t = calc.evaluate(s, k.field, plain);
    ASSERT_EQ(e.atom_energies.size(), s.size());
    ASSERT_EQ(e.atom_virials.size(), s.size());
    EXPECT_TRUE(t.atom_energies.empty());
    double energy = 0;
    Mat3 virial = Mat3::Zero();
    for (std::size_t i = 0; i < s.size(); ++i) {
      energy += e.atom_energies[i];
      virial += e.atom_virials[i];
    }
    EXPECT_NEAR(energy, e.energy, 1e-10 * std::abs(e.energy));
    EXPECT_NEAR(e.energy, t.energy, 1e-12 * std::abs(t.energy));
    EXPECT_LT(max_abs(virial - *e.virial), 1e-10 * max_abs(*e.virial));
    EXPECT_LT(max_abs(*e.virial - *t.virial), 1e-12 * max_abs(*t.virial));
    // Not all on one atom: the split is per atom.
    EXPECT_GT(std::abs(e.atom_energies[0] - e.atom_energies[1]), 1e-8);
    for (std::size_t i = 0; i < s.size(); ++i) s.positions[i](step) += 0.04 * (i % 2 ? 1 : -1);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, AtomQuantitiesTest,
                         ::testing::Values(Case{"short", false, "", Vec3::Zero()},
                                           Case{"ewald", true, "ewald", Vec3::Zero()},
                                           Case{"pme_field", true, "pme", Vec3(0.02, -0.05, 0.03)},
                                           Case{"direct_field", true, "direct",
                                                Vec3(0.03, 0.01, -0.02)}),
                         [](const ::testing::TestParamInfo<Case>& i) { return i.param.name; });

}  // namespace
}  // namespace lnet
