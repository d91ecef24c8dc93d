// Training config ranges: every out-of-range setting is an InputError naming the file
// and the key; model ranges come from the one validation shared with the model-file reader.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/error_of.hpp"
#include "lnet/train/train_config.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;

// Loads a config made of a valid base with `model` and `training` lines added.
std::string config_error(const std::string& model, const std::string& training) {
  const fs::path path =
      fs::temp_directory_path() / ("lnet_train_config_" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << "data: {train: data.xyz}\n"
                      << "model:\n  learn_charges: false\n"
                      << model << "training:\n  epochs: 2\n"
                      << training;
  std::string msg = testing::error_of([&] { load_train_config(path.string()); });
  EXPECT_NE(msg.find(path.filename().string()), std::string::npos) << msg;
  fs::remove(path);
  return msg;
}

void expect_named(const std::string& model, const std::string& training, const std::string& key) {
  const std::string msg = config_error(model, training);
  EXPECT_NE(msg.find(key), std::string::npos) << "expected '" << key << "' in: " << msg;
}

TEST(TrainConfig, TrainingRangesNameTheKey) {
  expect_named("", "  loss: {energy: -1.0}\n", "loss.energy");
  expect_named("", "  loss: {forces: .nan}\n", "loss.forces");
  expect_named("", "  loss: {energy: 0, forces: 0}\n", "all weights are zero");
  expect_named("", "  max_minutes: -1\n", "max_minutes");
  expect_named("", "  max_minutes: 0\n", "max_minutes");
  expect_named("", "  checkpoint_every: -5\n", "checkpoint_every");
  expect_named("", "  scheduler: {factor: 1.5}\n", "scheduler.factor");
  expect_named("", "  scheduler: {factor: 0}\n", "scheduler.factor");
  expect_named("", "  scheduler: {patience: 0}\n", "scheduler.patience");
  expect_named("", "  scheduler: {min_lr: -1e-3}\n", "scheduler.min_lr");
  expect_named("", "  early_stopping_patience: 0\n", "early_stopping_patience");
  expect_named("", "  batch_size: 0\n", "batch_size");
  expect_named("", "  lr: .inf\n", "lr");
}

TEST(TrainConfig, ModelRangesNameTheKey) {
  expect_named("  sigma: {Na: -1}\n", "", "sigma.Na");
  expect_named("  sigma: {Cl: 0}\n", "", "sigma.Cl");
  expect_named("  epsilon_s: 1e-12\n", "", "epsilon_s");
  expect_named("  dtype: float16\n", "", "dtype");
  expect_named("  network_a: {cutoff: -2}\n", "", "network_a.cutoff");
  expect_named("  network_b: {channels: 0}\n", "", "network_b.channels");
  expect_named("  electrostatics: {accuracy: 1.5}\n", "", "electrostatics.accuracy");
  expect_named("  electrostatics: {method: fmm}\n", "", "electrostatics.method");
  const std::string msg = config_error("  charges: {Na: .nan}\n", "");
  EXPECT_NE(msg.find("charges.Na"), std::string::npos) << msg;
}

// model.network_a/network_b take exactly the keys of infer::NetworkSpec (for_each_field): each
// one reaches the spec, and a key it does not have is an error naming it.
TEST(TrainConfig, NetworkKeysAreTheSpecKeys) {
  const fs::path path =
      fs::temp_directory_path() / ("lnet_train_config_net_" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << "data: {train: data.xyz}\n"
                      << "model: {long_range: true, network_b: {cutoff: 3.25, num_basis: 7, "
                         "envelope_p: 6, l_max: 3, l_hidden: 2, channels: 12, correlation: 2, "
                         "layers: 3, radial_hidden: 20}}\n";
  const TrainConfig c = load_train_config(path.string());
  fs::remove(path);
  const infer::NetworkSpec expected{3.25, 7, 6, 3, 2, 12, 2, 3, 20};
  EXPECT_EQ(nlohmann::json(c.model.network_b), nlohmann::json(expected));
  EXPECT_EQ(nlohmann::json(c.model.network_a), nlohmann::json(infer::NetworkSpec{}));
  expect_named("  network_a: {l_maxx: 2}\n", "", "l_maxx");
}

TEST(TrainConfig, ValidSettingsStillLoad) {
  const fs::path path =
      fs::temp_directory_path() / ("lnet_train_config_ok_" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << "data: {train: data.xyz}\n"
                      << "model: {epsilon_s: 2.4, sigma: {Na: 1.0}}\n"
                      << "training: {checkpoint_every: 0, max_minutes: 0.5,"
                         " loss: {energy: 0, forces: 1}, scheduler: {factor: 0.5}}\n";
  TrainConfig c = load_train_config(path.string());
  fs::remove(path);
  EXPECT_EQ(c.checkpoint_every, 0);
  EXPECT_EQ(*c.max_minutes, 0.5);
  // Paths are relative to the YAML file's folder, outputs as well as data.
  EXPECT_EQ(fs::path(c.train_file), path.parent_path() / "data.xyz");
  EXPECT_EQ(fs::path(c.output_dir), path.parent_path() / "runs/lnet");
}

TEST(TrainConfig, OutputDirIsRelativeToTheConfigFile) {
  const fs::path dir =
      fs::temp_directory_path() / ("lnet_train_config_dir_" + std::to_string(::getpid()));
  fs::create_directories(dir / "sub");
  std::ofstream(dir / "sub" / "train.yaml") << "data: {train: data.xyz}\noutput: {dir: out}\n";
  TrainConfig c = load_train_config((dir / "sub" / "train.yaml").string());
  fs::remove_all(dir);
  EXPECT_EQ(fs::path(c.output_dir), dir / "sub" / "out");
}

}  // namespace
}  // namespace lnet
