// lnet eval with a committee (run_eval with a CommitteeForceField): every frame is a new,
// unrelated structure for every member, so a frame's predictions do not depend on the frames
// evaluated before it (as for a single model).
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <sstream>

#include "learn/learn_fixtures.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/learn/committee.hpp"
#include "lnet/model/eval_run.hpp"
#include "lnet/model/model_file.hpp"
#include "model/model_fixtures.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;

// Frame B's committee energy and forces from `lnet eval` of `frames` (B last).
std::vector<double> last_frame(const std::vector<std::string>& models,
                               const std::vector<Structure>& frames, const std::string& out) {
  Calculator calc(models[0]);
  Committee committee = Committee::load(models, CalculatorOptions());
  CommitteeForceField mean(committee);
  EvalOptions o;
  o.model_path = models[0];
  o.data_path = "frames.xyz";
  o.output = out;
  o.committee = &mean;
  std::ostringstream report;
  run_eval(calc, frames, o, report);
  const Structure b = read_extxyz(out + ".xyz").back();
  std::vector<double> v{*b.energy};
  for (const Vec3& f : *b.forces) v.insert(v.end(), {f(0), f(1), f(2)});
  return v;
}

TEST(CommitteeEval, AFrameDoesNotDependOnTheFramesBeforeIt) {
  const fs::path dir = fs::temp_directory_path() / "lnet_committee_eval";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::vector<std::string> models;
  for (int seed : {1, 2}) {
    torch::manual_seed(seed);
    Potential model(testing::small_config(true));
    models.push_back((dir / ("m" + std::to_string(seed) + ".lnet")).string());
    save_model(model, models.back());
  }
  // B's cell differs from A's by 0.5 %, within the calculator's cell tolerance (1 %): a member
  // that kept A's electrostatics tuning would reuse it for B.
  std::mt19937_64 rng(3);
  Structure a = testing::rocksalt_frame(5.64, 0.05, rng);
  Structure b = testing::rocksalt_frame(5.64 * 1.005, 0.05, rng);
  for (Structure* s : {&a, &b}) s->energy = 0.0;
  const std::vector<double> alone = last_frame(models, {b}, (dir / "alone").string()),
                            after = last_frame(models, {a, b}, (dir / "after").string());
  ASSERT_EQ(alone.size(), after.size());
  for (std::size_t k = 0; k < alone.size(); ++k) EXPECT_EQ(alone[k], after[k]) << "entry " << k;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace lnet
