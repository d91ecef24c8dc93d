// End-to-end training on synthetic data from a known potential: the validation force error
// falls at least ten-fold, and an interrupted run resumed from its checkpoint reproduces the
// uninterrupted run bit for bit (float64).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "common/error_of.hpp"
#include "common/rocksalt.hpp"
#include "common/small_disk.hpp"
#include "lnet/core/error.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/model/model_file.hpp"
#include "lnet/train/trainer.hpp"
#include "lnet/util/atomic_file.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;
using testing::rocksalt_fractions;
using testing::rocksalt_number;

// Teacher: Morse pairs with species-dependent minimum, smoothly cut off at rc (cosine switch),
// differentiated by autograd for the forces.
void label_with_morse(Structure& s) {
  const double rc = 3.5, depth = 1.0, a = 1.6;
  auto pos = torch::empty({static_cast<int64_t>(s.size()), 3}, torch::kFloat64);
  for (std::size_t i = 0; i < s.size(); ++i)
    for (int k = 0; k < 3; ++k) pos[i][k] = s.positions[i](k);
  pos.requires_grad_(true);
  auto cell = torch::empty({3, 3}, torch::kFloat64);
  for (int r = 0; r < 3; ++r)
    for (int k = 0; k < 3; ++k) cell[r][k] = s.cell(r, k);
  auto e = torch::zeros({}, torch::kFloat64);
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t j = 0; j < s.size(); ++j)
      for (int n0 = -1; n0 <= 1; ++n0)
        for (int n1 = -1; n1 <= 1; ++n1)
          for (int n2 = -1; n2 <= 1; ++n2) {
            if (i == j && n0 == 0 && n1 == 0 && n2 == 0) continue;
            auto shift = n0 * cell[0] + n1 * cell[1] + n2 * cell[2];
            auto r = (pos[j] - pos[i] + shift).norm();
            if (r.item<double>() >= rc) continue;
            double r0 = (s.numbers[i] == s.numbers[j]) ? 2.9 : 2.5;
            auto morse = depth * (torch::pow(1 - torch::exp(-a * (r - r0)), 2) - 1);
            auto sw = 0.5 * (torch::cos(r * (M_PI / rc)) + 1);
            e = e + 0.5 * morse * sw;
          }
  auto f = -torch::autograd::grad({e}, {pos})[0];
  s.energy = e.item<double>() - 1.5 * s.size();
  std::vector<Vec3> forces(s.size());
  for (std::size_t i = 0; i < s.size(); ++i)
    forces[i] = Vec3(f[i][0].item<double>(), f[i][1].item<double>(), f[i][2].item<double>());
  s.forces = forces;
}

std::vector<Structure> synthetic_set(int n, int seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, 0.12);
  std::vector<Structure> out;
  for (int k = 0; k < n; ++k) {
    Structure s;
    const double a = 5.2 * (1 + 0.5 * noise(rng) / 3);
    s.cell = Mat3::Identity() * a;
    s.pbc = {true, true, true};
    for (int i = 0; i < 8; ++i) {
      s.positions.push_back(a * rocksalt_fractions()[i] + Vec3(noise(rng), noise(rng), noise(rng)));
      s.numbers.push_back(rocksalt_number(i));
    }
    label_with_morse(s);
    out.push_back(std::move(s));
  }
  return out;
}

class TrainingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lnet_train_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    write_extxyz((dir_ / "data.xyz").string(), synthetic_set(30, 11));
  }
  void TearDown() override {
    if (!::testing::Test::HasFailure()) fs::remove_all(dir_);
  }

  std::string write_config(const std::string& out, int epochs, int checkpoint_every,
                           int batch_size = 4, const std::string& lr = "0.02") {
    std::string text =
        "data: {train: data.xyz, valid_fraction: 0.2, test_fraction: 0.0, seed: 3}\n"
        "model:\n"
        "  network_a: {cutoff: 3.5, channels: 8, l_max: 1, l_hidden: 1,"
        " correlation: 2, layers: 1, num_basis: 6, radial_hidden: 32}\n"
        "training:\n"
        "  epochs: " +
        std::to_string(epochs) +
        "\n"
        "  batch_size: " +
        std::to_string(batch_size) + "\n  lr: " + lr +
        "\n  ema_decay: 0.9\n"
        "  loss: {energy: 1.0, forces: 10.0}\n"
        "  scheduler: {factor: 0.5, patience: 10, min_lr: 0.001}\n"
        "  checkpoint_every: " +
        std::to_string(checkpoint_every) +
        "\n"
        "output: {dir: " +
        (dir_ / out).string() + "}\n";
    std::string path = (dir_ / (out + ".yaml")).string();
    write_file_atomic(path, text);
    return path;
  }
  fs::path dir_;
};

TEST_F(TrainingTest, ValidationForceErrorFallsTenFold) {
  TrainConfig c = load_train_config(write_config("run", 100, 0));
  // The untrained model, built exactly as the trainer builds it.
  DataSplit split = load_split(c);
  ModelConfig m = c.model;
  fit_statistics(split.train, split.valid, m);
  torch::manual_seed(static_cast<uint64_t>(c.seed));
  Potential initial(m);
  const double before = evaluate(initial, split.valid, 4).forces.rmse();
  TrainOptions o;
  o.progress = false;
  TrainResult r = train(c, o);
  const double after = r.valid.forces.rmse();
  std::cerr << "validation force RMSE: " << before << " -> " << after << " eV/Å\n";
  ASSERT_GT(before, 0.1);  // the teacher's forces are not trivially small
  EXPECT_LT(after, before / 10);
}

TEST_F(TrainingTest, ResumedRunIsBitIdentical) {
  TrainOptions o;
  o.progress = false;
  TrainConfig full = load_train_config(write_config("full", 3, 4));
  train(full, o);
  TrainConfig part = load_train_config(write_config("part", 3, 4));
  TrainOptions stop = o;
  stop.stop_after_steps = 9;  // mid-epoch 2 (6 batches per epoch), between checkpoints
  train(part, stop);
  TrainOptions resume = o;
  resume.resume = true;
  train(part, resume);
  auto a = read_file((dir_ / "full" / "model.lnet").string());
  auto b = read_file((dir_ / "part" / "model.lnet").string());
  EXPECT_EQ(a, b) << "resumed model differs from the uninterrupted one";
  // Killed inside the first epoch: no validation score yet, best_score is +inf (JSON null).
  TrainConfig first = load_train_config(write_config("first", 3, 1));
  stop.stop_after_steps = 2;
  train(first, stop);
  train(first, resume);
  EXPECT_EQ(a, read_file((dir_ / "first" / "model.lnet").string()))
      << "run resumed from its first epoch differs from the uninterrupted one";
}

TEST_F(TrainingTest, SecondRunOnTheSameFolderRefuses) {
  TrainConfig c = load_train_config(write_config("busy", 1, 0));
  fs::create_directories(c.output_dir);
  // A live process (this one) holds the lock, as a first run would.
  std::ofstream(fs::path(c.output_dir) / "train.lock") << ::getpid() << "\n";
  TrainOptions o;
  o.progress = false;
  try {
    train(c, o);
    ADD_FAILURE() << "second run did not refuse";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(c.output_dir), std::string::npos) << msg;
    EXPECT_NE(msg.find("PID " + std::to_string(::getpid())), std::string::npos) << msg;
  }
  EXPECT_FALSE(fs::exists(fs::path(c.output_dir) / "log.jsonl")) << "refusal touched the folder";
}

// No output of a run is written over one of its inputs, whatever --force says: a config named
// like an output inside output.dir, and a data file named as the model.
TEST_F(TrainingTest, OutputsNeverReplaceInputsEvenWithForce) {
  fs::create_directories(dir_ / "cfg");
  const std::string config = (dir_ / "cfg" / "metrics.json").string();
  std::string text = read_file(write_config("unused", 1, 0));
  text.replace(text.find("output: {dir:"), std::string::npos, "output: {dir: .}\n");
  text.replace(text.find("train: data.xyz"), 15, "train: ../data.xyz");
  write_file_atomic(config, text);
  const std::string data = (dir_ / "data.xyz").string(), data_before = read_file(data);
  TrainOptions o;
  o.progress = false;
  o.force = true;
  const std::string msg = testing::error_of([&] { train(load_train_config(config), o); });
  EXPECT_NE(msg.find("input file"), std::string::npos) << msg;
  EXPECT_NE(msg.find("metrics.json"), std::string::npos) << msg;
  EXPECT_EQ(read_file(config), text) << "the config was overwritten";

  TrainConfig c = load_train_config(write_config("named", 1, 0));
  c.output_dir = dir_.string();
  c.model_name = "data.xyz";
  const std::string msg2 = testing::error_of([&] { train(c, o); });
  EXPECT_NE(msg2.find("input file"), std::string::npos) << msg2;
  EXPECT_EQ(read_file(data), data_before) << "the training data were overwritten";
}

// A second run in a folder with an earlier run's outputs stops unless --resume or --force;
// --force replaces them.
TEST_F(TrainingTest, EarlierRunIsReplacedOnlyWithForce) {
  TrainOptions o;
  o.progress = false;
  TrainConfig c = load_train_config(write_config("again", 1, 0));
  train(c, o);
  const std::string model = (fs::path(c.output_dir) / "model.lnet").string();
  const std::string first = read_file(model);
  c.seed += 1;  // a changed config
  const std::string msg = testing::error_of([&] { train(c, o); });
  EXPECT_NE(msg.find("earlier run"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--force"), std::string::npos) << msg;
  EXPECT_EQ(read_file(model), first) << "the earlier model was replaced without --force";
  o.force = true;
  train(c, o);
  EXPECT_NE(read_file(model), first) << "--force did not replace the earlier model";
}

// A full disk ends the run with an error that names the file and the cause; the lock is released
// and no temporary file is left (libtorch's archive writer used to call std::terminate).
TEST_F(TrainingTest, FullDiskIsAClearErrorAndCleansUp) {
  testing::SmallDisk disk("train", 16 * 1024);
  if (!disk.mounted()) GTEST_SKIP() << disk.reason();
  TrainConfig c = load_train_config(write_config("full_disk", 1, 0));
  c.output_dir = disk.path().string();
  TrainOptions o;
  o.progress = false;
  std::string msg;
  try {
    train(c, o);
    ADD_FAILURE() << "training into a 16 KiB file system succeeded";
  } catch (const Error& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find("No space left on device"), std::string::npos) << msg;
  EXPECT_NE(msg.find(disk.path().string()), std::string::npos) << msg;
  for (const auto& e : fs::directory_iterator(disk.path())) {
    const std::string name = e.path().filename().string();
    EXPECT_EQ(name.find(".tmp."), std::string::npos) << "temporary left: " << name;
    EXPECT_NE(name, "train.lock") << "lock not released";
  }
}

// A learning rate of 1e30 overflows the weights within the first steps: the run must stop
// naming the epoch and step, and write no model (no finite validation score was reached).
TEST_F(TrainingTest, DivergingRunStopsNamingTheStepAndWritesNoModel) {
  TrainConfig c = load_train_config(write_config("diverge", 2, 0, 4, "1.0e30"));
  c.grad_clip = 0;
  TrainOptions o;
  o.progress = false;
  try {
    train(c, o);
    ADD_FAILURE() << "diverging run did not stop";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("diverged at epoch 1, step"), std::string::npos) << msg;
  }
  EXPECT_FALSE(fs::exists(fs::path(c.output_dir) / "model.lnet"));
  EXPECT_FALSE(fs::exists(fs::path(c.output_dir) / "train.lock")) << "lock not released";
}

}  // namespace
}  // namespace lnet
