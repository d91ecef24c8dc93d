// `lnet eval -o PREFIX` writes the per-atom energies as an `atom_energies` column of PREFIX.xyz,
// summing to the frame's predicted energy.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "cli/cli_run.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/model/model_file.hpp"
#include "model/model_fixtures.hpp"

namespace lnet {
namespace {

class CliAtomEnergies : public testing::CliFolder {};

TEST_F(CliAtomEnergies, EvalWritesAColumnSummingToTheEnergy) {
  torch::manual_seed(5);
  Potential model(testing::small_config(/*long_range=*/true));
  save_model(model, p("model.lnet"));
  testing::write_labelled_nacl(p("data.xyz"));
  const testing::Outcome r =
      testing::run_lnet("eval " + p("model.lnet") + " " + p("data.xyz") + " -o " + p("out"));
  ASSERT_EQ(r.status, 0) << r.output;
  const std::vector<Structure> frames = read_extxyz(p("out.xyz"));
  ASSERT_EQ(frames.size(), 1u);
  const Structure& f = frames[0];
  ASSERT_TRUE(f.energy);
  const Structure::Column* column = nullptr;
  for (const auto& [name, c] : f.extra_arrays)
    if (name == "atom_energies") column = &c;
  ASSERT_NE(column, nullptr) << "no atom_energies column in out.xyz";
  ASSERT_EQ(column->values.size(), f.size());
  double sum = 0;
  for (const std::string& v : column->values) sum += std::stod(v);
  // Written with 17 digits; the energy line with its own precision: 1e-9 relative covers both.
  EXPECT_NEAR(sum, *f.energy, 1e-9 * std::abs(*f.energy));
}

}  // namespace
}  // namespace lnet
