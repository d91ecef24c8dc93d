// The inference calculator (DESIGN.md §4): equal to the reference batch path, a Verlet list
// and electrostatics parameters kept between calls without changing a single bit of the
// results, unwrapped positions for the field energy, clear errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <limits>

#include "common/error_of.hpp"
#include "lnet/model/calculator.hpp"
#include "lnet/model/model_file.hpp"
#include "model/model_fixtures.hpp"

namespace lnet {
namespace {

using namespace lnet::testing;

class CalculatorTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    torch::manual_seed(31);
    model = Potential(small_config(/*long_range=*/true, /*learn_charges=*/GetParam()));
    static int counter = 0;  // CTest runs each test in its own process: pid + counter is unique
    path = (std::filesystem::temp_directory_path() /
            ("lnet_calc_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".lnet"))
               .string();
    save_model(model, path);
  }
  void TearDown() override { std::filesystem::remove(path); }
  Potential model{nullptr};
  std::string path;
};

TEST_P(CalculatorTest, EqualsTheReferenceBatchPath) {
  CalculatorOptions reference;  // the calculator's plumbing on the reference engine
  reference.engine = "reference";
  Calculator calc(path, reference);
  Structure s = distorted_nacl(3);
  const Vec3 field(0.05, -0.02, 0.1);
  EvalRequest req;
  req.virial = true;
  req.bec = true;
  const Evaluation e = calc.evaluate(s, field, req);
  s.efield = field;
  Request r;
  r.stress = true;
  r.bec = true;
  const Prediction p = predict(model, s, r);
  // Same graph, same neighbour lists in the same order: equal to rounding (1e-12 relative).
  EXPECT_NEAR(e.energy, p.energy.item<double>(), 1e-12 * std::abs(e.energy));
  const double volume = s.volume();
  for (std::size_t i = 0; i < s.size(); ++i)
    for (int a = 0; a < 3; ++a) {
      EXPECT_NEAR(e.forces[i](a), p.forces[i][a].item<double>(), 1e-12);
      EXPECT_NEAR(e.atomic_dipoles[i](a), p.dipoles[i][a].item<double>(), 1e-12);
      for (int b = 0; b < 3; ++b) EXPECT_NEAR(e.bec[i](a, b), p.bec[i][a][b].item<double>(), 1e-12);
    }
  for (int a = 0; a < 3; ++a) {
    EXPECT_NEAR((*e.dipole)(a), p.polarization[0][a].item<double>(), 1e-12);
    for (int b = 0; b < 3; ++b)
      EXPECT_NEAR(-(*e.virial)(a, b) / volume, p.stress[0][a][b].item<double>(), 1e-12);
  }
  EXPECT_TRUE(calc.has_dipole());
  EXPECT_EQ(calc.info().species, (std::vector<int>{11, 17}));
}

// Small moves reuse the Verlet list and the electrostatics parameters; the results are
// bit-identical to those of a fresh calculator (fresh list, parameters resolved for the
// first structure and restored from state()).
TEST_P(CalculatorTest, KeptStateChangesNoBit) {
  Calculator kept(path);
  Structure s = distorted_nacl(5);
  const Vec3 field(0.0, 0.0, 0.05);
  kept.evaluate(s, field, {});
  const std::string state = kept.state();
  ASSERT_FALSE(state.empty());
  for (int step = 1; step <= 4; ++step) {
    for (std::size_t i = 0; i < s.size(); ++i) s.positions[i](step % 3) += 0.05 * ((i % 3) - 1.0);
    const Evaluation a = kept.evaluate(s, field, {});
    Calculator fresh(path);
    fresh.restore_state(state);
    const Evaluation b = fresh.evaluate(s, field, {});
    EXPECT_EQ(a.energy, b.energy) << "step " << step;
    for (std::size_t i = 0; i < s.size(); ++i) EXPECT_EQ(a.forces[i], b.forces[i]);
  }
  // Moved 0.2 Å at most: below half the 1 Å skin. The first call built the list for the
  // networks and extended it once to the real-space cutoff the electrostatics resolved.
  EXPECT_EQ(kept.neighbor_list_builds(), 2);
  for (auto& r : s.positions) r += Vec3(0.3, 0.0, 0.6);  // beyond half the skin
  kept.evaluate(s, field, {});
  EXPECT_EQ(kept.neighbor_list_builds(), 3);
}

// An atom leaving the cell through a face: with unwrapped positions M and -E·M are continuous;
// the same atom wrapped back changes M by q·a (a lattice vector) but not the forces.
TEST_P(CalculatorTest, UnwrappedPositionsKeepTheFieldEnergyContinuous) {
  Calculator calc(path);
  Structure s = distorted_nacl(7);
  const Vec3 field(0.1, 0.0, 0.0);
  const Vec3 a = s.cell.row(0).transpose();
  s.positions[2] += a;  // an image outside the cell
  const Evaluation unwrapped = calc.evaluate(s, field, {});
  Structure wrapped = s;
  wrapped.positions[2] -= a;
  const Evaluation back = calc.evaluate(wrapped, field, {});
  for (std::size_t i = 0; i < s.size(); ++i)
    EXPECT_LT((unwrapped.forces[i] - back.forces[i]).norm(), 1e-9);
  const Vec3 jump = *unwrapped.dipole - *back.dipole;
  if (!GetParam()) {  // fixed charges: the jump is exactly q0 a
    EXPECT_LT((jump - 0.8 * a).norm(), 1e-9) << jump.transpose();
    EXPECT_NEAR(unwrapped.energy - back.energy, -field.dot(jump), 1e-9);
  }
}

// The exact Hessian (double backward) against central differences of the forces: h = 1e-4 Å,
// truncation O(h² |d³F|) ~ 1e-8 relative; the electrostatics parameters are kept by the
// calculator between the displaced structures, so their truncation cancels.
TEST_P(CalculatorTest, HessianMatchesFiniteDifferencesOfForces) {
  Calculator calc(path);
  const Structure s = distorted_nacl(11);
  const Eigen::MatrixXd h = *calc.hessian(s);
  ASSERT_EQ(h.rows(), 24);
  EXPECT_LT((h - h.transpose()).cwiseAbs().maxCoeff(), 1e-9 * h.cwiseAbs().maxCoeff());
  const double step = 1e-4;
  double max_err = 0;
  for (int k : {0, 7, 13, 23}) {
    Structure plus = s, minus = s;
    plus.positions[k / 3](k % 3) += step;
    minus.positions[k / 3](k % 3) -= step;
    const auto fp = calc.evaluate(plus, Vec3::Zero(), {}).forces;
    const auto fm = calc.evaluate(minus, Vec3::Zero(), {}).forces;
    for (int l = 0; l < 24; ++l) {
      const double fd = -(fp[l / 3](l % 3) - fm[l / 3](l % 3)) / (2 * step);
      max_err = std::max(max_err, std::abs(fd - h(l, k)));
    }
  }
  EXPECT_LT(max_err, 1e-6 * h.cwiseAbs().maxCoeff()) << "max |H| " << h.cwiseAbs().maxCoeff();
}

// Electrostatics chosen at inference: PME instead of the model's Ewald gives the same forces to
// the requested accuracy (1e-6 relative RMS, here checked at 1e-4 of max |F|), and the config
// the calculator reports says pme.
TEST_P(CalculatorTest, ElectrostaticsOverrideKeepsTheForces) {
  Calculator ewald(path);
  CalculatorOptions o;
  o.es_method = "pme";
  o.es_accuracy = 1e-6;
  Calculator pme(path, o);
  EXPECT_NE(pme.info().config_json.find("\"es_method\":\"pme\""), std::string::npos);
  const Structure s = distorted_nacl(13);
  const Evaluation a = ewald.evaluate(s, Vec3::Zero(), {}), b = pme.evaluate(s, Vec3::Zero(), {});
  double max_f = 0, max_err = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    max_f = std::max(max_f, a.forces[i].cwiseAbs().maxCoeff());
    max_err = std::max(max_err, (a.forces[i] - b.forces[i]).cwiseAbs().maxCoeff());
  }
  EXPECT_LT(max_err, 1e-4 * max_f);
  CalculatorOptions fmm;
  fmm.es_method = "fmm";
  EXPECT_THROW(Calculator(path, fmm), InputError);
}

TEST_P(CalculatorTest, ClearErrors) {
  Calculator calc(path);
  Structure s = distorted_nacl(9);
  s.numbers[3] = 8;
  std::string msg = error_of([&] { calc.evaluate(s, Vec3::Zero(), {}); });
  EXPECT_NE(msg.find("atom 4"), std::string::npos) << msg;
  EXPECT_NE(msg.find("element O is not among the model's species (Na, Cl)"), std::string::npos)
      << msg;
  s = distorted_nacl(9);
  s.pbc = {true, true, false};
  msg = error_of([&] { calc.evaluate(s, Vec3::Zero(), {}); });
  EXPECT_NE(msg.find("mixed boundaries"), std::string::npos) << msg;
  s = distorted_nacl(9);
  s.positions[0](1) = std::nan("");
  msg = error_of([&] { calc.evaluate(s, Vec3::Zero(), {}); });
  EXPECT_NE(msg.find("atom 1: position is not finite"), std::string::npos) << msg;
}

// Atoms closer than min_distance are an error naming both atoms (1-based) and the distance, on
// every path (fast engine, reference, Hessian; periodic and open), and min_distance 0 evaluates
// them as before.
TEST_P(CalculatorTest, AtomsTooCloseAreAnError) {
  Structure s = distorted_nacl(9);
  s.positions[5] = s.positions[2] + Vec3(0.01, 0, 0);
  for (const std::string engine : {"fast", "reference"}) {
    CalculatorOptions o;
    o.engine = engine;
    Calculator calc(path, o);
    for (bool periodic : {true, false}) {
      Structure t = s;
      t.pbc = {periodic, periodic, periodic};
      try {
        calc.evaluate(t, Vec3::Zero(), {});
        ADD_FAILURE() << engine << ": atoms 0.01 Å apart were evaluated";
      } catch (const CloseAtomsError& e) {
        EXPECT_EQ(std::string(e.what()).find(
                      "atoms 3 and 6 are 0.01 Å apart, closer than min_distance 0.5 Å"),
                  0u)
            << e.what();
        EXPECT_EQ(e.first, 2u);
        EXPECT_EQ(e.second, 5u);
        EXPECT_NEAR(e.distance, 0.01, 1e-12);  // one coordinate differs by 0.01: exact to ulps
      }
    }
    if (engine == "reference")
      EXPECT_THROW(calc.hessian(s), CloseAtomsError);
    else  // the CPU engine has no Hessian: a capability miss before the geometry is looked at
      EXPECT_NE(error_of([&] { calc.hessian(s); }).find("capability hessian"), std::string::npos);
  }
  // The same atoms across the periodic boundary: the pair is found through its image.
  Structure wrapped = distorted_nacl(9);
  wrapped.positions[5] = wrapped.positions[2] + wrapped.cell.row(0).transpose() + Vec3(0, 0.2, 0);
  Calculator calc(path);
  const std::string msg = error_of([&] { calc.evaluate(wrapped, Vec3::Zero(), {}); });
  EXPECT_NE(msg.find("atoms 3 and 6 are 0.2 Å apart"), std::string::npos) << msg;

  CalculatorOptions off;
  off.min_distance = 0;
  Calculator unchecked(path, off);
  EXPECT_TRUE(std::isfinite(unchecked.evaluate(s, Vec3::Zero(), {}).energy));
  CalculatorOptions wide;
  wide.min_distance = 3.0;  // above the shortest contact (a/2 = 2.8 Å, displaced by < 0.3 Å)
  Calculator strict(path, wide);
  EXPECT_THROW(strict.evaluate(distorted_nacl(9), Vec3::Zero(), {}), CloseAtomsError);
  off.min_distance = -1;
  EXPECT_NE(error_of([&] { Calculator c(path, off); }).find("min_distance: expected a distance"),
            std::string::npos);
}

// A non-finite cell entry is named as such (it was "periodic cell vector 0 is zero").
TEST_P(CalculatorTest, NonFiniteCellEntryIsNamed) {
  Calculator calc(path);
  Structure s = distorted_nacl(9);
  s.cell(1, 2) = std::numeric_limits<double>::infinity();
  EXPECT_EQ(error_of([&] { calc.evaluate(s, Vec3::Zero(), {}); }),
            "cell: vector b (row 2) component z is not finite (inf)");
  s.pbc = {false, false, false};  // open axes: the rows are not used
  EXPECT_TRUE(std::isfinite(calc.evaluate(s, Vec3::Zero(), {}).energy));
}

// One atom in vacuum has no neighbours and no partner charge: its energy does not depend on its
// position, and the answer is zero forces and virial, not a libtorch error (issue 9).
TEST_P(CalculatorTest, OneIsolatedAtomHasZeroForces) {
  Calculator calc(path);
  Structure s;
  s.numbers = {11};
  s.positions = {Vec3(0.3, -0.2, 1.0)};
  EvalRequest all;
  all.virial = true;
  all.bec = true;
  Evaluation e = calc.evaluate(s, Vec3(0.01, 0, 0), all);
  EXPECT_TRUE(std::isfinite(e.energy));
  ASSERT_EQ(e.forces.size(), 1u);
  // The field pulls on the charge q0 = 0.8 e of the isolated Na (fixed charges) and on nothing
  // when charges are transferred along bonds (no bonds: q = q0 as well).
  EXPECT_NEAR(e.forces[0].x(), 0.8 * 0.01, 1e-12);
  EXPECT_NEAR(e.forces[0].tail<2>().norm(), 0.0, 1e-12);
  ASSERT_TRUE(e.virial);
}

TEST(Calculator, OneIsolatedAtomOfAShortRangeModel) {
  torch::manual_seed(5);
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("lnet_calc_sr_" + std::to_string(::getpid()) + ".lnet"))
                               .string();
  Potential model(small_config(/*long_range=*/false));
  save_model(model, path);
  Calculator calc(path);
  std::filesystem::remove(path);
  Structure s;
  s.numbers = {17};
  s.positions = {Vec3(0.3, -0.2, 1.0)};
  EvalRequest all;
  all.virial = true;
  Evaluation e = calc.evaluate(s, Vec3::Zero(), all);
  EXPECT_TRUE(std::isfinite(e.energy));
  ASSERT_EQ(e.forces.size(), 1u);
  EXPECT_EQ(e.forces[0], Vec3::Zero());
  ASSERT_TRUE(e.virial);
  EXPECT_EQ(*e.virial, Mat3::Zero());
}

INSTANTIATE_TEST_SUITE_P(FixedAndLearnedCharges, CalculatorTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "learned" : "fixed"; });

}  // namespace
}  // namespace lnet
