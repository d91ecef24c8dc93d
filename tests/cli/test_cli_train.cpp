// `lnet train` from the command line: outputs relative to the config, no progress line per batch
// outside a terminal, an earlier run's folder refused unless --resume or --force.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>

#include "cli/cli_run.hpp"
#include "common/rocksalt.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/util/atomic_file.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;
using testing::run_lnet;

class CliTrain : public testing::CliFolder {
 protected:
  // Six harmonic-toy rock-salt frames and a one-epoch short-range config with a relative
  // output.dir, in a sub-folder of the test's folder.
  std::string write_run(const std::string& extra_training = "") {
    std::mt19937_64 rng(5);
    std::normal_distribution<double> n(0.0, 0.05);
    std::vector<Structure> data;
    for (int k = 0; k < 6; ++k) {
      Structure s;
      s.cell = Mat3::Identity() * 5.64;
      s.pbc = {true, true, true};
      std::vector<Vec3> f;
      for (int i = 0; i < 8; ++i) {
        const Vec3 u(n(rng), n(rng), n(rng));
        s.positions.push_back(5.64 * testing::rocksalt_fractions()[i] + u);
        s.numbers.push_back(testing::rocksalt_number(i));
        f.push_back(-u);
      }
      s.energy = -1.0;
      s.forces = f;
      data.push_back(s);
    }
    fs::create_directories(dir_ / "cfg");
    write_extxyz(p("cfg/data.xyz"), data);
    write_file_atomic(p("cfg/train.yaml"),
                      "data: {train: data.xyz, valid_fraction: 0.34}\n"
                      "model: {network_a: {cutoff: 3.5, channels: 4, l_max: 1, layers: 1}}\n"
                      "training: {epochs: 1, batch_size: 1" +
                          extra_training +
                          "}\n"
                          "output: {dir: run}\n");
    return p("cfg/train.yaml");
  }
};

TEST_F(CliTrain, OutputsGoNextToTheConfigWithoutProgressLinesInALog) {
  const std::string config = write_run();
  const testing::Outcome t = run_lnet("train " + config);  // stderr is a pipe here
  ASSERT_EQ(t.status, 0) << t.output;
  EXPECT_TRUE(fs::exists(p("cfg/run/model.lnet"))) << "output.dir is not relative to the YAML";
  // Progress lines read "epoch 1 [###...] 40% 2/4 ..." on a terminal, "epoch 1 40% 2/4" elsewhere.
  EXPECT_FALSE(std::regex_search(t.output, std::regex(R"(epoch 1 (\[[#.]*\] )?\d+%)")))
      << "progress lines in a log:\n"
      << t.output;

  // The verdict at the end: one epoch is too few to call converged, and metrics.json says why
  // the run ended.
  EXPECT_NE(t.output.find("NOT converged: cut by training.epochs (1)"), std::string::npos)
      << t.output;
  const auto metrics = nlohmann::json::parse(read_file(p("cfg/run/metrics.json")));
  EXPECT_EQ(metrics["convergence"]["stopped_by"], "epochs");
  EXPECT_FALSE(metrics["convergence"]["converged"].get<bool>());

  const std::string model = read_file(p("cfg/run/model.lnet"));
  const testing::Outcome again = run_lnet("train " + config);
  EXPECT_NE(again.status, 0);
  EXPECT_NE(again.output.find("--resume"), std::string::npos) << again.output;
  EXPECT_EQ(read_file(p("cfg/run/model.lnet")), model);
  const testing::Outcome forced = run_lnet("train --force " + config);
  EXPECT_EQ(forced.status, 0) << forced.output;
}

// training.committee: N trains N models with seeds seed, seed + 1, ... into run/member_k, each
// under the same rules for earlier outputs as a single run.
TEST_F(CliTrain, CommitteeTrainsOneModelPerSeedIntoMemberFolders) {
  const std::string config = write_run(", committee: 2");
  const testing::Outcome t = run_lnet("train " + config);
  ASSERT_EQ(t.status, 0) << t.output;
  const std::string a = read_file(p("cfg/run/member_0/model.lnet"));
  const std::string b = read_file(p("cfg/run/member_1/model.lnet"));
  EXPECT_NE(a, b) << "both members trained with the same seed";
  EXPECT_FALSE(fs::exists(p("cfg/run/model.lnet")));
  EXPECT_NE(t.output.find("committee of 2 models"), std::string::npos) << t.output;

  const testing::Outcome again = run_lnet("train " + config);
  EXPECT_NE(again.status, 0);
  EXPECT_NE(again.output.find("--resume"), std::string::npos) << again.output;
  EXPECT_EQ(read_file(p("cfg/run/member_0/model.lnet")), a);
  EXPECT_EQ(run_lnet("train --force " + config).status, 0);
  // The same seeds give the same members.
  EXPECT_EQ(read_file(p("cfg/run/member_1/model.lnet")), b);

  // `lnet md` with the committee: its mean is integrated, its spread reaches the trajectory and
  // the uncertainty check (any spread exceeds 1e-9 eV/Å: two members never agree exactly).
  const std::string md =
      "model: [run/member_0/model.lnet, run/member_1/model.lnet]\n"
      "structure: data.xyz\nframe: 0\nsteps: 4\ntimestep: 1\n"
      "masses: {Na: 23, Cl: 35}\n"
      "output: {dir: md, thermo_every: 2, trajectory_every: 2,\n"
      "         trajectory_extra: [committee_force_std]}\n";
  write_file_atomic(p("cfg/md.yaml"), md + "uncertainty: {every: 1, force_std: 1e-9}\n");
  const testing::Outcome run = run_lnet("md --no-progress " + p("cfg/md.yaml"));
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("committee's forces differ"), std::string::npos) << run.output;
  const std::vector<Structure> frames = read_extxyz(p("cfg/md/trajectory.xyz"));
  ASSERT_EQ(frames.size(), 3U);
  bool found = false;
  for (const auto& [key, column] : frames.back().extra_arrays)
    found = found || (key == "committee_force_std" && column.values.size() == 8);
  EXPECT_TRUE(found) << "no committee_force_std column in the trajectory";
  write_file_atomic(p("cfg/md_stop.yaml"),
                    std::regex_replace(md, std::regex("dir: md,"), "dir: md_stop,") +
                        "uncertainty: {every: 1, force_std: 1e-9, stop: true}\n");
  const testing::Outcome stop = run_lnet("md --no-progress " + p("cfg/md_stop.yaml"));
  EXPECT_NE(stop.status, 0);
  EXPECT_NE(stop.output.find("uncertainty.stop"), std::string::npos) << stop.output;

  // `lnet eval --committee`: the committee mean with its spreads per frame and a summary.
  const std::string m0 = p("cfg/run/member_0/model.lnet"), m1 = p("cfg/run/member_1/model.lnet");
  const std::string data = " " + p("cfg/data.xyz");
  ASSERT_EQ(run_lnet("eval " + m0 + data + " -o " + p("e0")).status, 0);
  ASSERT_EQ(run_lnet("eval " + m1 + data + " -o " + p("e1")).status, 0);
  const testing::Outcome both =
      run_lnet("eval " + m0 + data + " -o " + p("ec") + " --committee " + m1);
  ASSERT_EQ(both.status, 0) << both.output;
  EXPECT_NE(both.output.find("committee: largest force spread"), std::string::npos) << both.output;
  const auto e0 = read_extxyz(p("e0.xyz")), e1 = read_extxyz(p("e1.xyz"));
  const auto ec = read_extxyz(p("ec.xyz"));
  ASSERT_EQ(ec.size(), 6U);
  for (std::size_t k = 0; k < ec.size(); ++k) {
    // The mean of the members' energies (text round trip of each: 1e-12 relative).
    EXPECT_NEAR(*ec[k].energy, 0.5 * (*e0[k].energy + *e1[k].energy),
                1e-12 * std::abs(*ec[k].energy));
    EXPECT_EQ(ec[k].info.count("committee_force_std_max"), 1U);
  }
  bool column = false;
  for (const auto& [key, values] : ec.front().extra_arrays)
    column = column || (key == "committee_force_std" && values.values.size() == 8);
  EXPECT_TRUE(column) << "no committee_force_std column";

  const testing::Outcome bad = run_lnet("train " + write_run(", committee: 0"));
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.output.find("committee"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace lnet
