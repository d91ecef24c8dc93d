// `lnet eval --quantity NAME` writes any quantity of the registry (core/quantity.hpp) as a
// column of PREFIX.xyz; an unknown name is one line naming the known ones; --help lists them.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "cli/cli_run.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/model/model_file.hpp"
#include "model/model_fixtures.hpp"

namespace lnet {
namespace {

class CliQuantities : public testing::CliFolder {
 protected:
  void SetUp() override {
    CliFolder::SetUp();
    torch::manual_seed(5);
    Potential model(testing::small_config(/*long_range=*/false));
    save_model(model, p("model.lnet"));
    testing::write_labelled_nacl(p("data.xyz"));
  }
};

TEST_F(CliQuantities, EvalWritesAQuantityByName) {
  const testing::Outcome r = testing::run_lnet("eval " + p("model.lnet") + " " + p("data.xyz") +
                                               " -o " + p("out") + " --quantity atom_virials");
  ASSERT_EQ(r.status, 0) << r.output;
  const Structure f = read_extxyz(p("out.xyz")).at(0);
  const Structure::Column* column = nullptr;
  for (const auto& [name, c] : f.extra_arrays)
    if (name == "atom_virials") column = &c;
  ASSERT_NE(column, nullptr) << "no atom_virials column in out.xyz";
  EXPECT_EQ(column->ncols, 9);
  ASSERT_EQ(column->values.size(), 9 * f.size());
  // Σ_i W_i = W = -σ V (the stress written with round-trip precision): 1e-9 of the largest.
  ASSERT_TRUE(f.stress);
  Mat3 w = Mat3::Zero();
  for (std::size_t k = 0; k < column->values.size(); ++k)
    w((k % 9) / 3, k % 3) += std::stod(column->values[k]);
  const Mat3 expected = -*f.stress * f.volume();
  EXPECT_LT((w - expected).cwiseAbs().maxCoeff(), 1e-9 * expected.cwiseAbs().maxCoeff());
}

TEST_F(CliQuantities, UnknownQuantityNamesTheKnownOnes) {
  const testing::Outcome r = testing::run_lnet("eval " + p("model.lnet") + " " + p("data.xyz") +
                                               " -o " + p("out") + " --quantity magnetisation");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("unknown quantity 'magnetisation'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("atom_virials"), std::string::npos) << r.output;
  const testing::Outcome help = testing::run_lnet("eval --help");
  EXPECT_NE(help.output.find("raman_tensors"), std::string::npos) << help.output;
}

}  // namespace
}  // namespace lnet
