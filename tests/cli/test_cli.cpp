// The lnet executable end to end: convert, electrostatics, train, eval, and one clear error
// line (non-zero exit) for bad input. Runs the binary built next to the tests.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "cli/cli_run.hpp"
#include "common/rocksalt.hpp"
#include "lnet/core/constants.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/util/atomic_file.hpp"
#include "lnet/util/plot.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;
using testing::rocksalt_fractions;
using testing::rocksalt_number;
using testing::run_lnet;

// Rock-salt cell (a = 5.64 Å, 8 atoms) with optional random displacements and labels.
Structure rocksalt(double noise, int seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n(0.0, noise);
  Structure s;
  const double a = 5.64;
  s.cell = Mat3::Identity() * a;
  s.pbc = {true, true, true};
  for (int i = 0; i < 8; ++i) {
    s.positions.push_back(a * rocksalt_fractions()[i] +
                          (noise > 0 ? Vec3(n(rng), n(rng), n(rng)) : Vec3::Zero()));
    s.numbers.push_back(rocksalt_number(i));
  }
  return s;
}

class CliTest : public testing::CliFolder {
 protected:
};

TEST_F(CliTest, ConvertsQuantumEspressoOutputs) {
  const std::string data = std::string(LNET_SOURCE_DIR) + "/tests/io/data/";
  testing::Outcome r = run_lnet("convert --pw " + data + "nacl_scf.out --ph " + data +
                                "nacl_ph.out -o " + p("c.xyz"));
  ASSERT_EQ(r.status, 0) << r.output;
  auto frames = read_extxyz(p("c.xyz"));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_TRUE(frames[0].energy && frames[0].forces && frames[0].stress && frames[0].bec);
  EXPECT_NEAR((*frames[0].bec)[0](0, 0), 1.08, 0.05);  // Z*(Na) of the test data ~ +1.077
}

TEST_F(CliTest, ElectrostaticsGivesTheMadelungEnergy) {
  write_extxyz(p("ions.xyz"), {rocksalt(0.0, 1)});
  testing::Outcome r = run_lnet("electrostatics " + p("ions.xyz") +
                                " --charge Na=1 --charge Cl=-1 --accuracy 1e-7 -o " + p("es.xyz"));
  ASSERT_EQ(r.status, 0) << r.output;
  auto out = read_extxyz(p("es.xyz"));
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(out[0].energy) << r.output;
  // 4 formula units, nearest-neighbour distance a/2: E = -4 M k_e / (a/2), M = 1.747565.
  const double expected = -4 * 1.747565 * units::coulomb / (5.64 / 2);
  EXPECT_NEAR(*out[0].energy, expected, 1e-5 * std::abs(expected));
}

TEST_F(CliTest, TrainsAndEvaluatesALongRangeModel) {
  std::vector<Structure> data;
  for (int k = 0; k < 10; ++k) {
    Structure s = rocksalt(0.1, k);
    double e = 0;
    std::vector<Vec3> f;
    std::vector<Mat3> z;
    for (std::size_t i = 0; i < s.size(); ++i) {  // a harmonic toy: labels only need to exist
      Vec3 u = s.positions[i] - rocksalt(0.0, 0).positions[i];
      e += 0.5 * u.squaredNorm();
      f.push_back(-u);
      z.push_back(Mat3::Identity() * (s.numbers[i] == 11 ? 1.1 : -1.1));
    }
    s.energy = e;
    s.forces = f;
    s.bec = z;
    s.info["free_energy"] = "1.5";  // a reference-only key: must not sit beside predictions
    data.push_back(s);
  }
  write_extxyz(p("data.xyz"), data);
  write_file_atomic(p("train.yaml"),
                    "data: {train: data.xyz, valid_fraction: 0.2, test_fraction: 0.2}\n"
                    "model:\n"
                    "  network_a: {cutoff: 3.5, channels: 4, l_max: 1, correlation: 2, layers: 1}\n"
                    "  long_range: true\n"
                    "  network_b: {cutoff: 3.5, channels: 4, l_max: 1, correlation: 1, layers: 1}\n"
                    "  charges: {Na: 1.0, Cl: -1.0}\n"
                    "training: {epochs: 2, batch_size: 2, loss: {bec: 1.0}}\n"
                    "output: {dir: " +
                        p("run") + "}\n");
  testing::Outcome t = run_lnet("train --no-progress " + p("train.yaml"));
  ASSERT_EQ(t.status, 0) << t.output;
  EXPECT_NE(t.output.find("test (best model)"), std::string::npos) << t.output;
  EXPECT_NE(t.output.find("BEC"), std::string::npos) << t.output;
  for (const char* f : {"model.lnet", "checkpoint.pt", "log.jsonl", "metrics.json"})
    EXPECT_TRUE(fs::exists(p("run/") + f)) << f;
  testing::Outcome e =
      run_lnet("eval " + p("run/model.lnet") + " " + p("data.xyz") + " -o " + p("pred"));
  ASSERT_EQ(e.status, 0) << e.output;
  auto pred = read_extxyz(p("pred.xyz"));
  ASSERT_EQ(pred.size(), data.size());
  EXPECT_TRUE(pred[0].bec.has_value());
  EXPECT_TRUE(fs::exists(p("pred.json")));
  // Predictions only under the usual keys; every reference value under ref_.
  for (std::size_t k = 0; k < pred.size(); ++k) {
    EXPECT_EQ(pred[k].info.count("free_energy"), 0u);
    EXPECT_EQ(pred[k].info.at("ref_free_energy"), "1.5");
    EXPECT_EQ(std::stod(pred[k].info.at("ref_energy")), *data[k].energy);
    ASSERT_TRUE(pred[k].energy.has_value());
    EXPECT_NE(*pred[k].energy, *data[k].energy);  // an untrained model does not hit the labels
    bool has_ref_forces = false;
    for (const auto& [name, col] : pred[k].extra_arrays) has_ref_forces |= name == "ref_forces";
    EXPECT_TRUE(has_ref_forces);
    // The training domain recorded with the model, per frame.
    EXPECT_GE(std::stod(pred[k].info.at("domain_novelty")), 0.0);
    EXPECT_GT(std::stod(pred[k].info.at("domain_distance_ratio")), 0.0);
  }
  EXPECT_NE(e.output.find("training domain: "), std::string::npos) << e.output;
  // A second run refuses to replace the outputs unless asked to.
  testing::Outcome again =
      run_lnet("eval " + p("run/model.lnet") + " " + p("data.xyz") + " -o " + p("pred"));
  EXPECT_NE(again.status, 0);
  EXPECT_NE(again.output.find("--force"), std::string::npos) << again.output;
  EXPECT_EQ(run_lnet("eval " + p("run/model.lnet") + " " + p("data.xyz") + " -o " + p("pred") +
                     " --force")
                .status,
            0);
  // -o naming the input, directly and through a symlink, leaves the data untouched.
  const std::string before = read_file(p("data.xyz"));
  fs::create_symlink(p("data.xyz"), p("link.xyz"));
  for (const char* prefix : {"data", "link"}) {
    testing::Outcome r = run_lnet("eval " + p("run/model.lnet") + " " + p("data.xyz") + " -o " +
                                  p(prefix) + " --force");
    EXPECT_NE(r.status, 0) << prefix;
    EXPECT_NE(r.output.find("input file"), std::string::npos) << r.output;
    EXPECT_EQ(read_file(p("data.xyz")), before) << prefix;
  }
}

// A polarizable model trained on alpha_cell labels, then evaluated: lnet eval
// reports alpha_cell, epsilon_inf and the folded Born dipole M. Labels made from the model's
// own predictions plus known offsets (0.01 e·Å²/V on alpha_xx; a lattice vector, which the
// fold removes, plus 0.02 e·Å on M_x) must give exactly the RMSEs those offsets imply.
TEST_F(CliTest, EvaluatesAPolarizableModel) {
  std::vector<Structure> data;
  for (int k = 0; k < 6; ++k) {
    Structure s = rocksalt(0.1, k);
    s.energy = -10.0 + 0.1 * k;
    s.polarizability = Mat3(Mat3::Identity() * (0.5 + 0.01 * k));
    data.push_back(s);
  }
  write_extxyz(p("data.xyz"), data);
  write_file_atomic(p("train.yaml"),
                    "data: {train: data.xyz, valid_fraction: 0.34}\n"
                    "model:\n"
                    "  network_a: {cutoff: 3.5, channels: 4, l_max: 1, correlation: 1, layers: 1}\n"
                    "  long_range: true\n"
                    "  polarizable: true\n"
                    "  network_b: {cutoff: 3.5, channels: 4, l_max: 1, correlation: 1, layers: 1}\n"
                    "  charges: {Na: 1.0, Cl: -1.0}\n"
                    "training: {epochs: 1, batch_size: 2, loss: {forces: 0, polarizability: 1.0}}\n"
                    "output: {dir: " +
                        p("run") + "}\n");
  testing::Outcome t = run_lnet("train --no-progress " + p("train.yaml"));
  ASSERT_EQ(t.status, 0) << t.output;
  EXPECT_NE(t.output.find("α_cell"), std::string::npos) << t.output;
  testing::Outcome e =
      run_lnet("eval " + p("run/model.lnet") + " " + p("data.xyz") + " -o " + p("pred"));
  ASSERT_EQ(e.status, 0) << e.output;
  EXPECT_NE(e.output.find("model epsilon_inf (trace/3)"), std::string::npos) << e.output;
  auto pred = read_extxyz(p("pred.xyz"));
  ASSERT_EQ(pred.size(), data.size());
  std::vector<Structure> shifted;
  for (const Structure& frame : pred) {
    ASSERT_TRUE(frame.polarizability && frame.epsilon_inf && frame.dipole);
    bool induced = false;
    for (const auto& [name, col] : frame.extra_arrays) induced |= name == "induced_dipoles";
    EXPECT_TRUE(induced);
    Structure s = frame;
    s.polarizability->operator()(0, 0) += 0.01;
    s.dipole = Vec3(*frame.dipole + frame.cell.row(1).transpose() + Vec3(0.02, 0, 0));
    s.epsilon_inf.reset();
    s.bec.reset();
    shifted.push_back(s);
  }
  write_extxyz(p("shifted.xyz"), shifted);
  testing::Outcome e2 =
      run_lnet("eval " + p("run/model.lnet") + " " + p("shifted.xyz") + " -o " + p("pred2"));
  ASSERT_EQ(e2.status, 0) << e2.output;
  EXPECT_NE(e2.output.find("M (folded)"), std::string::npos) << e2.output;
  const auto j = nlohmann::json::parse(read_file(p("pred2.json")));
  // Evaluation is deterministic and the files round-trip doubles exactly: 1e-9 is rounding.
  EXPECT_NEAR(j["polarizability_eA2_per_V"]["rmse"].get<double>(), 0.01 / 3, 1e-9) << j.dump();
  EXPECT_NEAR(j["polarizability_eA2_per_V"]["mae"].get<double>(), 0.01 / 9, 1e-9);
  EXPECT_NEAR(j["polarization_eA"]["rmse"].get<double>(), 0.02 / std::sqrt(3.0), 1e-9);
  const double volume = shifted[0].volume();  // all cells alike
  EXPECT_NEAR(j["epsilon_inf"]["rmse"].get<double>(), 0.01 / (units::eps0 * volume) / 3, 1e-8);
  EXPECT_EQ(j["frames"].size(), data.size());
  EXPECT_TRUE(fs::exists(p("pred2_polarizability.png")) || !plot::gnuplot_available());
  EXPECT_TRUE(fs::exists(p("pred2_polarization.png")) || !plot::gnuplot_available());
}

// convert and electrostatics refuse to write over their input (directly or via a symlink)
// and over an earlier output without --force; the input stays byte-identical.
TEST_F(CliTest, CommandsNeverWriteOverTheirInput) {
  write_extxyz(p("ions.xyz"), {rocksalt(0.0, 1)});
  fs::create_symlink(p("ions.xyz"), p("ions_link.xyz"));
  const std::string before = read_file(p("ions.xyz"));
  const std::string data = std::string(LNET_SOURCE_DIR) + "/tests/io/data/";
  for (const char* out : {"ions.xyz", "ions_link.xyz"}) {
    testing::Outcome es = run_lnet("electrostatics " + p("ions.xyz") +
                                   " --charge Na=1 --charge Cl=-1 --force -o " + p(out));
    EXPECT_NE(es.status, 0) << out;
    EXPECT_NE(es.output.find("input file"), std::string::npos) << es.output;
    testing::Outcome born = run_lnet("convert --born " + data + "nacl_BORN --structure " +
                                     p("ions.xyz") + " --force -o " + p(out));
    EXPECT_NE(born.status, 0) << out;
    EXPECT_NE(born.output.find("input file"), std::string::npos) << born.output;
    EXPECT_EQ(read_file(p("ions.xyz")), before) << out;
  }
  ASSERT_EQ(run_lnet("electrostatics " + p("ions.xyz") + " --charge Na=1 --charge Cl=-1 -o " +
                     p("es.xyz"))
                .status,
            0);
  testing::Outcome again = run_lnet("electrostatics " + p("ions.xyz") +
                                    " --charge Na=1 --charge Cl=-1 -o " + p("es.xyz"));
  EXPECT_NE(again.status, 0);
  EXPECT_NE(again.output.find("--force"), std::string::npos) << again.output;
  write_file_atomic(p("scf_copy.out"), read_file(data + "nacl_scf.out"));
  testing::Outcome pw = run_lnet("convert --pw " + p("scf_copy.out") + " -o " + p("scf_copy.out"));
  EXPECT_NE(pw.status, 0);
  EXPECT_EQ(read_file(p("scf_copy.out")), read_file(data + "nacl_scf.out"));
}

TEST_F(CliTest, BadInputGivesOneClearLineAndNonZeroExit) {
  write_file_atomic(p("bad.yaml"), "data: {train: x.xyz}\nmodell: {}\n");
  testing::Outcome r = run_lnet("train " + p("bad.yaml"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("bad.yaml:2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("modell"), std::string::npos) << r.output;
  testing::Outcome m = run_lnet("eval " + p("bad.yaml") + " " + p("bad.yaml"));
  EXPECT_NE(m.status, 0);
  EXPECT_NE(m.output.find("not an lnet model file"), std::string::npos) << m.output;
}

}  // namespace
}  // namespace lnet
