// `lnet learn` from the command line: a tiny run on the python teacher to its iteration budget,
// an earlier run refused without --resume or --force, a finished run resumed without new DFT
// calls, and an unknown config key named.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "cli/cli_run.hpp"
#include "learn/learn_fixtures.hpp"
#include "lnet/io/extxyz.hpp"

namespace lnet {
namespace {

using testing::run_lnet;

long lines_of(const std::string& path) {
  std::ifstream in(path);
  long n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

class CliLearn : public testing::CliFolder {
 protected:
  // Teacher-labelled start data, a start structure, the training and learn configs.
  void write_inputs(const std::string& learn_extra = "") {
    write_file_atomic(p("teacher.py"), testing::teacher_script());
    std::mt19937_64 rng(1);
    std::vector<Structure> start;
    for (int k = 0; k < 4; ++k) {
      const std::string in = p("raw" + std::to_string(k) + ".xyz");
      const std::string out = p("lab" + std::to_string(k) + ".xyz");
      write_extxyz(in, {testing::rocksalt_frame(5.2, 0.05, rng)});
      ASSERT_EQ(std::system(("python3 " + p("teacher.py") + " " + in + " " + out).c_str()), 0);
      start.push_back(read_extxyz(out).front());
    }
    write_extxyz(p("start.xyz"), start);
    write_extxyz(p("explore.xyz"), {testing::rocksalt_frame(5.2, 0.0, rng)});
    write_file_atomic(p("train.yaml"),
                      "data: {train: start.xyz, valid_fraction: 0.25, test_fraction: 0.0}\n"
                      "model:\n  network_a: {cutoff: 3.5, channels: 8, l_max: 1, l_hidden: 1,"
                      " correlation: 2, layers: 1, num_basis: 6, radial_hidden: 16}\n"
                      "training: {epochs: 5, batch_size: 2, lr: 0.02}\n");
    write_file_atomic(p("learn.yaml"),
                      "training: {config: train.yaml, committee: 2}\n"
                      "explore: {structures: [explore.xyz], temperatures: [1000], steps: 20,"
                      " snapshot_every: 5, timestep: 2.0}\n"
                      "select: {lower: 0.0, upper: 10.0, max_frames: 2}\n"
                      "label: {driver: command, command: \"python3 " +
                          p("teacher.py") + " {input} {output} " + p("calls.log") +
                          "\"}\n"
                          "budget: {iterations: 1}\n"
                          "output: {dir: run}\n" +
                          learn_extra);
  }
};

TEST_F(CliLearn, RunsToItsBudgetAndResumesWithoutNewCalls) {
  if (!testing::python3_available()) GTEST_SKIP() << "no python3";
  write_inputs();
  testing::Outcome r = run_lnet("learn " + p("learn.yaml"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("iteration budget"), std::string::npos) << r.output;
  EXPECT_EQ(lines_of(p("calls.log")), 2);
  EXPECT_EQ(lines_of(p("run/progress.jsonl")), 2);  // iteration 0 and the final committee
  EXPECT_TRUE(std::filesystem::exists(p("run/iter_001/models/member_1/model.lnet")));

  r = run_lnet("learn " + p("learn.yaml"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("--resume"), std::string::npos) << r.output;

  r = run_lnet("learn " + p("learn.yaml") + " --resume");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(lines_of(p("calls.log")), 2);  // nothing labelled again
}

TEST_F(CliLearn, UnknownKeyIsNamed) {
  if (!testing::python3_available()) GTEST_SKIP() << "no python3";
  write_inputs("budgets: {iterations: 2}\n");
  const testing::Outcome r = run_lnet("learn " + p("learn.yaml"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("budgets"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace lnet
