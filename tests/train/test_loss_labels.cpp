// A loss term with a positive weight but nothing to learn from is an error; the
// per-file summary says which labels were found under which keys.
#include <gtest/gtest.h>

#include "common/error_of.hpp"
#include "lnet/train/labels.hpp"

namespace lnet {
namespace {

Structure frame() {
  Structure s;
  s.numbers = {11, 17};
  s.positions = {Vec3::Zero(), Vec3(2, 2, 2)};
  s.cell = Mat3::Identity() * 4;
  s.pbc = {true, true, true};
  s.forces = std::vector<Vec3>(2, Vec3::Zero());
  s.info["total_energy"] = "-3.5";
  Structure::Column c;
  c.type = 'R';
  c.ncols = 9;
  c.values.assign(18, "0");
  s.extra_arrays.emplace_back("born_charge", c);
  return s;
}

TEST(Labels, PositiveWeightWithoutLabelsNamesTermKeysAndAHint) {
  TrainConfig c;
  c.source = "train.yaml";
  c.loss = LossWeights{1.0, 10.0, 0.0, 0.0, 0.0};
  const std::vector<Structure> train(3, frame());
  std::string msg = testing::error_of([&] { check_loss_labels(train, {}, c); });
  EXPECT_NE(msg.find("train.yaml"), std::string::npos) << msg;
  EXPECT_NE(msg.find("training.loss.energy"), std::string::npos) << msg;
  EXPECT_NE(msg.find("looked for 'energy'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("total_energy"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean data.keys: {energy: total_energy}"), std::string::npos) << msg;

  c.loss = LossWeights{0.0, 10.0, 0.0, 1.0, 0.0};
  msg = testing::error_of([&] { check_loss_labels(train, {}, c); });
  EXPECT_NE(msg.find("training.loss.bec"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'bec/BEC'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("{bec: born_charge}"), std::string::npos) << msg;
}

TEST(Labels, ZeroWeightAndPresentLabelsPass) {
  TrainConfig c;
  c.loss = LossWeights{0.0, 10.0, 0.0, 0.0, 0.0};
  const std::vector<Structure> train(2, frame());
  EXPECT_TRUE(check_loss_labels(train, train, c).empty());
  // Labels in training but none in validation: a warning, not an error.
  Structure bare = frame();
  bare.forces.reset();
  const auto warnings = check_loss_labels(train, {bare}, c);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("forces"), std::string::npos) << warnings[0];
}

}  // namespace
}  // namespace lnet
