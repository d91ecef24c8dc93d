// The committee and the whole loop on the python teacher: member k is the single training run
// with seed + k; the spread is zero for identical members and larger away from the data;
// `lnet learn` interrupted twice (after a stage, and in the middle of labelling) resumes without
// retraining or relabelling anything, and the error on held-out teacher frames falls.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include "common/error_of.hpp"
#include "learn/learn_fixtures.hpp"
#include "lnet/core/quantity.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/learn/committee.hpp"
#include "lnet/learn/dft_driver.hpp"
#include "lnet/learn/learn_loop.hpp"
#include "lnet/model/calculator.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;

// Teacher-labelled frames: `n` rock-salt cells with displacements sigma.
std::vector<Structure> teacher_frames(const testing::LearnDir& dir, int n, double sigma, int seed) {
  std::mt19937_64 rng(seed);
  CommandDriver teacher("python3 " + dir.file("teacher.py") + " {input} {output}", "test");
  std::vector<Structure> out;
  for (int k = 0; k < n; ++k) {
    const std::string d = dir.file("teach_" + std::to_string(seed) + "_" + std::to_string(k));
    fs::create_directories(d);
    out.push_back(teacher.label(testing::rocksalt_frame(5.2, sigma, rng), d, false));
  }
  return out;
}

void write_train_yaml(const testing::LearnDir& dir, int epochs) {
  dir.write("train.yaml",
            "data: {train: start.xyz, valid_fraction: 0.25, test_fraction: 0.0, seed: 3}\n"
            "model:\n"
            "  network_a: {cutoff: 3.5, channels: 8, l_max: 1, l_hidden: 1, correlation: 2,"
            " layers: 1, num_basis: 6, radial_hidden: 16}\n"
            "training:\n  epochs: " +
                std::to_string(epochs) +
                "\n  batch_size: 2\n  lr: 0.02\n  ema_decay: 0.9\n"
                "  loss: {energy: 1.0, forces: 10.0}\n"
                "  scheduler: {factor: 0.5, patience: 10, min_lr: 0.001}\n"
                "  early_stopping_patience: 1000\n"
                "output: {dir: unused}\n");
}

class LearnLoop : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::python3_available()) GTEST_SKIP() << "no python3";
    dir_.write("teacher.py", testing::teacher_script());
  }
  testing::LearnDir dir_;
};

TEST_F(LearnLoop, CommitteeSpreadZeroForIdenticalMembersLargerAwayFromData) {
  write_extxyz(dir_.file("start.xyz"), teacher_frames(dir_, 6, 0.04, 1));
  write_train_yaml(dir_, 25);
  TrainConfig tc = load_train_config(dir_.file("train.yaml"));
  std::ofstream log(dir_.file("train.log"));
  TrainOptions to;
  to.progress = false;
  to.report = &log;
  const std::vector<std::string> models = train_committee(tc, 2, dir_.file("models"), to);
  ASSERT_EQ(models.size(), 2u);

  std::mt19937_64 rng(9);
  const Structure near = testing::rocksalt_frame(5.2, 0.04, rng);
  const Structure far = testing::rocksalt_frame(5.2, 0.25, rng);

  // Two copies of one model: exactly no spread, and the mean is that model.
  Committee same = Committee::load({models[0], models[0]}, CalculatorOptions());
  const CommitteeEvaluation s = same.evaluate(far, Vec3::Zero());
  EXPECT_EQ(s.force_std_max, 0.0);
  EXPECT_EQ(s.energy_std_per_atom, 0.0);
  Calculator single(models[0]);
  const Evaluation e = single.evaluate(far, Vec3::Zero(), EvalRequest());
  EXPECT_NEAR(s.energy, e.energy, 1e-12 * std::abs(e.energy));  // (a + a) / 2 rounding
  EXPECT_NEAR((s.forces[3] - e.forces[3]).norm(), 0.0, 1e-12);

  // Different seeds: members agree where they were trained and disagree further out.
  Committee two = Committee::load(models, CalculatorOptions());
  const double spread_near = two.evaluate(near, Vec3::Zero()).force_std_max;
  const double spread_far = two.evaluate(far, Vec3::Zero()).force_std_max;
  EXPECT_GT(spread_near, 0.0);
  EXPECT_GT(spread_far, 1.5 * spread_near) << spread_near << " " << spread_far;

  // The committee's ForceField gives the spreads as named quantities, read like any other.
  CommitteeForceField ff(two);
  EvalRequest request;
  request.add("committee_force_std").add("committee_force_std_max");
  const Evaluation mean = ff.evaluate(far, Vec3::Zero(), request);
  const auto per_atom = values(quantity("committee_force_std"), mean, far);
  ASSERT_TRUE(per_atom);
  ASSERT_EQ(per_atom->size(), far.size());
  EXPECT_EQ(*std::max_element(per_atom->begin(), per_atom->end()), spread_far);
  EXPECT_EQ(values(quantity("committee_force_std_max"), mean, far)->at(0), spread_far);
  EXPECT_EQ(values(quantity("committee_energy_std"), mean, far)->at(0),
            ff.last().energy_std_per_atom);
  EXPECT_TRUE(quantity("committee_force_std").per_atom);

  // Member k is exactly the run `lnet train` makes with seed + k.
  TrainConfig alone = tc;
  alone.seed = tc.seed + 1;
  alone.output_dir = dir_.file("alone");
  Calculator single_run(train(alone, to).model_path);
  Calculator member(models[1]);
  EXPECT_EQ(single_run.evaluate(far, Vec3::Zero(), EvalRequest()).energy,
            member.evaluate(far, Vec3::Zero(), EvalRequest()).energy);

  // Members were trained once: a second call finds them done and returns the same paths.
  const auto mtime = fs::last_write_time(models[1]);
  EXPECT_EQ(train_committee(tc, 2, dir_.file("models"), to), models);
  EXPECT_EQ(fs::last_write_time(models[1]), mtime);
}

long lines_of(const std::string& path) {
  std::ifstream in(path);
  long n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

TEST_F(LearnLoop, ResumesWithoutRelabellingAndTheHeldOutErrorFalls) {
  write_extxyz(dir_.file("start.xyz"), teacher_frames(dir_, 4, 0.03, 1));
  write_extxyz(dir_.file("held_out.xyz"), teacher_frames(dir_, 8, 0.12, 2));
  write_train_yaml(dir_, 40);
  std::mt19937_64 rng(4);
  write_extxyz(dir_.file("explore_start.xyz"), {testing::rocksalt_frame(5.2, 0.0, rng)});
  dir_.write("learn.yaml",
             "training: {config: train.yaml, committee: 2}\n"
             "explore: {structures: [explore_start.xyz], temperatures: [600, 1500],"
             " strains: [0, -3], steps: 60, snapshot_every: 6, timestep: 2.0, seed: 2,"
             " min_distance: 1.5}\n"
             "select: {lower: 0.0, upper: 1.0, max_frames: 6, min_distance: 0.01}\n"
             "label: {driver: command, command: \"python3 " +
                 dir_.file("teacher.py") + " {input} {output} " + dir_.file("calls.log") +
                 "\"}\n"
                 "budget: {iterations: 2, dft_calls: 100}\n"
                 "test_data: held_out.xyz\n"
                 "output: {dir: run}\n");
  const LearnConfig c = load_learn_config(dir_.file("learn.yaml"));
  EXPECT_EQ(c.output_dir, dir_.file("run"));

  // Killed after exploring in iteration 0 ...
  LearnOptions o;
  o.stop_iteration = 0;
  o.stop_after_stage = "explore";
  run_learn(c, o);
  const std::string member = dir_.file("run/iter_000/models/member_1/model.lnet");
  ASSERT_TRUE(fs::exists(member));
  const auto trained = fs::last_write_time(member);
  EXPECT_FALSE(fs::exists(dir_.file("calls.log")));
  // ... an earlier run is not silently continued or replaced ...
  const std::string e = testing::error_of([&] { run_learn(c, LearnOptions()); });
  EXPECT_NE(e.find("--resume"), std::string::npos) << e;
  // ... then killed again after two labels ...
  LearnOptions resume;
  resume.resume = true;
  LearnOptions partial = resume;
  partial.stop_after_labels = 2;
  run_learn(c, partial);
  EXPECT_EQ(lines_of(dir_.file("calls.log")), 2);
  // ... and run to the end.
  const LearnResult r = run_learn(c, resume);
  EXPECT_EQ(fs::last_write_time(member), trained);  // iteration 0's committee not retrained

  ASSERT_EQ(r.iterations, 3);  // two labelling rounds, then the final committee
  EXPECT_NE(r.stop_reason.find("iteration budget"), std::string::npos) << r.stop_reason;
  long labelled = 0;
  for (const char* it : {"run/iter_000/labelled.xyz", "run/iter_001/labelled.xyz"})
    labelled += static_cast<long>(read_extxyz(dir_.file(it)).size());
  EXPECT_GT(labelled, 6);
  // Every call labelled a frame once: none repeated after the interruptions.
  EXPECT_EQ(lines_of(dir_.file("calls.log")), labelled);
  EXPECT_EQ(r.dft_calls, labelled);
  // Nothing earlier lost: the final training set is the start plus every label.
  EXPECT_EQ(read_extxyz(dir_.file("run/iter_002/train.xyz")).size(), 4u + labelled);

  ASSERT_EQ(r.rows.size(), 3u);
  ASSERT_TRUE(r.rows.front().contains("new_frames"));
  const double first = r.rows.front()["test"]["force_rmse"].get<double>();
  const double last = r.rows.back()["test"]["force_rmse"].get<double>();
  RecordProperty("held_out_force_rmse_first", std::to_string(first));
  RecordProperty("held_out_force_rmse_last", std::to_string(last));
  // Deterministic run (fixed seeds, float64): 0.100 -> 0.035 eV/Å on the machine it was written
  // on; 0.6 leaves room for a changed optimiser while still failing when labels do not help.
  EXPECT_LT(last, 0.6 * first) << first << " -> " << last;
  EXPECT_EQ(lines_of(dir_.file("run/progress.jsonl")), 3);
}

}  // namespace
}  // namespace lnet
