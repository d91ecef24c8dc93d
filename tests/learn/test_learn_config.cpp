// The learn config: strict keys naming the offender, paths relative to the YAML file.
#include <gtest/gtest.h>

#include "common/error_of.hpp"
#include "learn/learn_fixtures.hpp"
#include "lnet/learn/learn_config.hpp"

namespace lnet {
namespace {

using testing::error_of;

std::string learn_yaml(const std::string& label, const std::string& extra = "") {
  return "training: {config: train.yaml, committee: 3}\n"
         "explore: {structures: [start.xyz], temperatures: [300], strains: [-2, 0, 2],"
         " fields: [[0, 0, 0]], steps: 10, snapshot_every: 5}\n"
         "select: {lower: 0.05, upper: 0.5, max_frames: 4}\n"
         "label: " +
         label + "\nbudget: {iterations: 2, dft_calls: 10, minutes: 30}\n" + extra;
}

class LearnConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("train.yaml",
               "data: {train: data.xyz}\nmodel:\n  network_a: {cutoff: 3.5}\n"
               "training: {epochs: 2}\n");
  }
  testing::LearnDir dir_;
};

TEST_F(LearnConfigTest, ReadsEverySectionWithPathsRelativeToTheFile) {
  const std::string path = dir_.write(
      "learn.yaml",
      learn_yaml("{driver: qe, born_fraction: 0.5, qe: {pseudo_dir: pseudo, pseudopotentials: "
                 "{Na: Na.UPF, Cl: Cl.UPF}, ecutwfc: 40, kpoints: [3, 3, 3]}}",
                 "test_data: held.xyz\noutput: {dir: out}\n"));
  const LearnConfig c = load_learn_config(path);
  EXPECT_EQ(c.committee, 3);
  EXPECT_EQ(c.training.train_file, dir_.file("data.xyz"));
  EXPECT_EQ(c.structures, std::vector<std::string>{dir_.file("start.xyz")});
  EXPECT_EQ(c.explore.strains, (std::vector<double>{-2, 0, 2}));
  EXPECT_EQ(c.select.max_frames, 4);
  EXPECT_EQ(c.driver, "qe");
  EXPECT_EQ(c.qe.pseudo_dir, dir_.file("pseudo"));
  EXPECT_EQ(c.qe.pseudopotentials.at("Cl"), "Cl.UPF");
  EXPECT_EQ(c.qe.kpoints[2], 3);
  EXPECT_EQ(c.test_data, dir_.file("held.xyz"));
  EXPECT_EQ(c.output_dir, dir_.file("out"));
  EXPECT_EQ(c.max_dft_calls, 10);
}

TEST_F(LearnConfigTest, UnknownKeysAndBadValuesAreNamed) {
  auto message = [&](const std::string& text) {
    const std::string path = dir_.write("learn.yaml", text);
    return error_of([&] { load_learn_config(path); });
  };
  std::string e = message(learn_yaml("{driver: command, command: x, bron_fraction: 1}"));
  EXPECT_NE(e.find("bron_fraction"), std::string::npos) << e;
  e = message(learn_yaml("{driver: vasp}"));
  EXPECT_NE(e.find("driver"), std::string::npos) << e;
  std::string text = learn_yaml("{driver: command, command: x}");
  text.replace(text.find("lower: 0.05"), 11, "lower: 0.6");
  e = message(text);
  EXPECT_NE(e.find("upper"), std::string::npos) << e;
  e = message(learn_yaml("{driver: command, command: x}") + "explorer: {}\n");
  EXPECT_NE(e.find("explorer"), std::string::npos) << e;
}

}  // namespace
}  // namespace lnet
