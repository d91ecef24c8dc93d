// The end-of-training verdict: converged when early stopping ended the run or the best
// validation score flattened; otherwise cut short, with the key to change and a value.
#include <gtest/gtest.h>

#include <cmath>

#include "lnet/train/convergence.hpp"

namespace lnet {
namespace {

// Scores falling as a / (1 + k) (still improving ~20 % per fifth of the run), or flattening to
// a floor.
std::vector<double> falling(int n) {
  std::vector<double> s;
  for (int k = 0; k < n; ++k) s.push_back(1.0 / (1.0 + k));
  return s;
}
std::vector<double> flattening(int n) {
  std::vector<double> s;
  for (int k = 0; k < n; ++k) s.push_back(0.1 + std::exp(-double(k)));
  return s;
}

TEST(Convergence, StillFallingAtTheBudgetIsNotConvergedAndSaysWhatToRaise) {
  const std::vector<double> lrs(20, 5e-3);
  const ConvergenceReport r =
      assess_convergence(falling(20), lrs, 5e-3, 1e-5, StopReason::time_budget, 30.0);
  EXPECT_FALSE(r.converged);
  EXPECT_EQ(r.window, 4);
  EXPECT_NEAR(r.recent_improvement, 1 - 16.0 / 20.0, 1e-12);  // best 1/20 against 1/16
  EXPECT_FALSE(r.lr_decayed);
  EXPECT_NE(r.text.find("NOT converged"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("training.max_minutes (e.g. to 60)"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("never lowered"), std::string::npos) << r.text;

  const ConvergenceReport e =
      assess_convergence(falling(20), lrs, 5e-3, 1e-5, StopReason::epochs, 30.0);
  EXPECT_NE(e.text.find("training.epochs (e.g. to 40)"), std::string::npos) << e.text;
}

TEST(Convergence, FlatScoresOrEarlyStoppingAreConverged) {
  std::vector<double> lrs(30, 5e-3);
  for (int k = 10; k < 30; ++k) lrs[k] = 1e-5;
  const ConvergenceReport flat =
      assess_convergence(flattening(30), lrs, 5e-3, 1e-5, StopReason::epochs, 10.0);
  EXPECT_TRUE(flat.converged) << flat.text;
  EXPECT_TRUE(flat.lr_at_floor);
  EXPECT_LT(flat.recent_improvement, kFlatImprovement);
  EXPECT_NE(flat.text.find("floor"), std::string::npos) << flat.text;

  const ConvergenceReport early =
      assess_convergence(falling(8), lrs, 5e-3, 1e-5, StopReason::early_stopping, 10.0);
  EXPECT_TRUE(early.converged);
  EXPECT_NE(early.text.find("capacity"), std::string::npos) << early.text;
}

TEST(Convergence, TooShortARunIsNeverCalledConverged) {
  const std::vector<double> scores{1.0, 1.0, 1.0};  // flat, but three epochs say nothing
  const ConvergenceReport r =
      assess_convergence(scores, {5e-3, 5e-3, 5e-3}, 5e-3, 1e-5, StopReason::epochs, 1.0);
  EXPECT_FALSE(r.converged);
  EXPECT_NE(r.text.find("too few to judge"), std::string::npos) << r.text;
}

}  // namespace
}  // namespace lnet
