// The loop of `lnet eval` as a library function: a quantity registered at run time (in this test
// only, with a derive function) reaches the extended XYZ it writes with no change outside the
// registry; the default columns are the registry's; unknown quantities are refused up front.
#include <gtest/gtest.h>

#include <sstream>

#include "common/error_of.hpp"
#include "common/force_norms_quantity.hpp"
#include "lnet/core/quantity.hpp"
#include "lnet/model/eval_run.hpp"
#include "lnet/model/model_file.hpp"
#include "model/model_fixtures.hpp"
#include "util/temp_dir.hpp"

namespace lnet {
namespace {

using namespace lnet::testing;

const Structure::Column* column(const Structure& s, const std::string& name) {
  for (const auto& [key, c] : s.extra_arrays)
    if (key == name) return &c;
  return nullptr;
}

class EvalRun : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(7);
    model_path = dir.file("model.lnet");
    Potential model(small_config(/*long_range=*/true));
    save_model(model, model_path);
    for (int seed : {1, 2}) {
      Structure s = distorted_nacl(seed);
      s.energy = -10.0 * seed;  // labels: some reference to compute errors against
      s.forces = std::vector<Vec3>(s.size(), Vec3(0.1, 0, 0));
      frames.push_back(s);
    }
    options.model_path = model_path;
    options.data_path = "frames.xyz";
    options.output = dir.file("eval");
  }
  TempDir dir;
  std::string model_path;
  std::vector<Structure> frames;
  EvalOptions options;
};

TEST_F(EvalRun, RegisteredQuantityReachesTheExtxyz) {
  Quantity q = testing::force_norms_quantity();
  register_quantity(q);
  options.quantities = {"test_force_norms"};
  Calculator calc(model_path);
  std::ostringstream report;
  const EvalSummary summary = run_eval(calc, frames, options, report);
  unregister_quantity("test_force_norms");
  EXPECT_EQ(summary.metrics.forces.count, 2U * 8 * 3);
  EXPECT_NE(report.str().find("predictions in"), std::string::npos) << report.str();
  const std::vector<Structure> written = read_extxyz(options.output + ".xyz");
  ASSERT_EQ(written.size(), 2U);
  for (const Structure& s : written) {
    const Structure::Column* norms = column(s, "test_force_norms");
    ASSERT_NE(norms, nullptr);
    ASSERT_EQ(norms->ncols, 1);
    ASSERT_TRUE(s.forces);
    ASSERT_EQ(norms->values.size(), s.size());
    // Written with round-trip precision from the same forces: equal to rounding of the norm.
    for (std::size_t i = 0; i < s.size(); ++i)
      EXPECT_NEAR(std::stod(norms->values[i]), (*s.forces)[i].norm(), 1e-14);
    // The registry's other columns of a long-range model, as before.
    EXPECT_NE(column(s, "charges"), nullptr);
    EXPECT_NE(column(s, "atomic_dipoles"), nullptr);
    EXPECT_NE(column(s, "atom_energies"), nullptr);
    EXPECT_EQ(column(s, "atom_virials"), nullptr);  // not asked for
    EXPECT_TRUE(s.stress && s.bec && s.dipole);
  }
}

TEST_F(EvalRun, AsksForQuantitiesByName) {
  options.quantities = {"atom_virials"};
  Calculator calc(model_path);
  std::ostringstream report;
  run_eval(calc, frames, options, report);
  const std::vector<Structure> written = read_extxyz(options.output + ".xyz");
  const Structure::Column* w = column(written.at(0), "atom_virials");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->ncols, 9);
}

TEST_F(EvalRun, UnknownOrUnavailableQuantityIsRefused) {
  Calculator calc(model_path);
  std::ostringstream report;
  options.quantities = {"magnetisation"};
  EXPECT_NE(error_of([&] {
              run_eval(calc, frames, options, report);
            }).find("unknown quantity 'magnetisation'"),
            std::string::npos);
  EXPECT_TRUE(report.str().empty());       // refused before the first frame
  options.quantities = {"raman_tensors"};  // a model without induced dipoles
  const std::string message = error_of([&] { run_eval(calc, frames, options, report); });
  EXPECT_NE(message.find("needs a polarizable model"), std::string::npos) << message;
}

}  // namespace
}  // namespace lnet
