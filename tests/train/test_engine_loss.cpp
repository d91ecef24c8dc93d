// Training through the CPU engine (engine_loss.hpp): for random short-range models of several
// shapes on a batch of periodic and open structures, the engine's loss and weight gradient equal
// the torch reference's (loss_of + backward) per loss term and combined; float32 follows
// float64; 20 AdamW steps follow the reference's loss curve; the default (auto) takes the
// engine for short-range models; training.engine refuses what the engine cannot do, naming it.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error_of.hpp"
#include "infer/engine_fixtures.hpp"
#include "lnet/infer/gradient.hpp"
#include "lnet/train/engine_loss.hpp"
#include "lnet/train/trainer.hpp"
#include "train/engine_loss_fixtures.hpp"

namespace lnet {
namespace {

using namespace lnet::testing;

struct Case {
  Shape shape;
  LossWeights weights;
  const char* name;
};

class EngineLossTest : public ::testing::TestWithParam<Case> {};

// float64: to 1e-10 of the largest gradient entry (expect_engine_gradient).
TEST_P(EngineLossTest, GradientEqualsTheReference) {
  const Case k = GetParam();
  torch::manual_seed(11 + k.shape.l_max + 10 * k.shape.correlation + 100 * k.shape.layers);
  const ModelConfig c = engine_config(k.shape, false, false);
  Potential model(c);
  const std::vector<Structure> data = labelled_batch(5 + k.shape.layers);
  const Batch b = batch_of(data, c);
  expect_engine_gradient(model, b, k.weights, k.name);
}

INSTANTIATE_TEST_SUITE_P(
    ShapesAndTerms, EngineLossTest,
    ::testing::Values(Case{{0, 1, 1, 0}, weights(1, 0, 0), "energy"},
                      Case{{0, 1, 1, 0}, weights(0, 1, 0), "forces"},
                      Case{{0, 1, 1, 0}, weights(0, 0, 1), "stress"},
                      Case{{1, 2, 2, 1}, weights(1, 0, 0), "energy"},
                      Case{{1, 2, 2, 1}, weights(0, 1, 0), "forces"},
                      Case{{1, 2, 2, 1}, weights(0, 0, 1), "stress"},
                      Case{{2, 3, 2, 1}, weights(1, 10, 100), "combined"},
                      Case{{2, 3, 1, 0}, weights(1, 10, 0), "energy and forces"},
                      Case{{2, 2, 2, 2}, weights(1, 10, 100), "combined"},
                      Case{{1, 3, 2, 1}, weights(0.5, 3, 20), "combined"}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::to_string(info.index); });

// float32 engine arithmetic (Dual<float>) against float64 on the same weights and seeds:
// float32 rounding is ~6e-8 per operation; 1e-4 of the largest entry bounds its accumulation.
TEST(EngineGradient, Float32FollowsFloat64) {
  torch::manual_seed(3);
  const ModelConfig c = engine_config({2, 3, 2, 1}, false, false);
  Potential model(c);
  const infer::ModelWeights w = infer_weights(model);
  const Structure s = random_structure(4, 10, 6.0, true);
  const NeighborList nl = build_neighbor_list(s.positions, s.cell, s.pbc, c.network_a.cutoff);
  infer::Input in;
  for (int z : s.numbers) in.species.push_back(c.species_index(z));
  in.positions = s.positions;
  in.cell = s.cell;
  in.edges_a = &nl;
  infer::OutputSeeds seed;
  seed.energy = 0.3;
  for (std::size_t i = 0; i < s.size(); ++i) seed.forces.emplace_back(0.1 * i, -0.2, 0.05 * i);
  seed.virial << 0.2, 0.1, 0, 0.1, -0.3, 0.05, 0, 0.05, 0.1;
  const infer::ShortRangeWeights g64 = infer::gradient_batch<double>(w.a, {in}, {seed});
  const infer::ShortRangeWeights g32 = infer::gradient_batch<float>(w.a, {in}, {seed});
  double err = 0, scale = 0;
  auto compare = [&](const infer::Matrix& a, const infer::Matrix& b) {
    for (std::size_t q = 0; q < a.data.size(); ++q) {
      err = std::max(err, std::abs(a.data[q] - b.data[q]));
      scale = std::max(scale, std::abs(a.data[q]));
    }
  };
  infer::ShortRangeWeights a = g64, b = g32;
  std::vector<infer::Matrix> from64;
  for_each_trained(a, [&](const std::string&, infer::Matrix& m) { from64.push_back(m); });
  std::size_t k = 0;
  for_each_trained(b, [&](const std::string&, infer::Matrix& m) { compare(from64[k++], m); });
  RecordProperty("float32_gradient_error", sci(err / scale));
  EXPECT_GT(scale, 0);
  EXPECT_LT(err / scale, 1e-4);
}

// 20 AdamW steps from the same weights: the engine's loss curve follows the reference's.
TEST(EngineGradient, TrainingFollowsTheReferenceLossCurve) {
  const ModelConfig c = engine_config({1, 2, 2, 1}, false, false);
  const std::vector<Structure> data = labelled_batch(21);
  const Batch b = batch_of(data, c);
  const LossWeights w = weights(1, 10, 100);
  expect_reference_loss_curve(c, b, w);
}

// Validation errors (energy, forces, stress) after two epochs of `lnet train` on periodic
// structures, with `training.engine: <engine>` (no key for an empty `engine`: the default).
std::array<double, 3> validation_errors(const std::filesystem::path& dir,
                                        const std::string& engine) {
  std::vector<Structure> data;
  for (int seed : {31, 41, 51})
    for (const Structure& s : labelled_batch(seed))
      if (s.periodic()) data.push_back(s);
  write_extxyz((dir / "data.xyz").string(), data);
  const std::string name = engine.empty() ? "default" : engine;
  std::ofstream(dir / (name + ".yaml"))
      << "data: {train: data.xyz, valid_fraction: 0.34, seed: 2}\n"
         "model:\n  network_a: {cutoff: 3.5, channels: 8, l_max: 2, l_hidden: 1,"
         " correlation: 3, layers: 2, num_basis: 6, radial_hidden: 16}\n"
         "training: {epochs: 2, batch_size: 2, lr: 0.01, "
      << (engine.empty() ? "" : "engine: " + engine + ", ")
      << "loss: {energy: 1, forces: 10, stress: 100}}\n"
      << "output: {dir: " << name << "}\n";
  TrainOptions o;
  o.progress = false;
  std::ostringstream report;
  o.report = &report;
  const TrainResult r = train(load_train_config((dir / (name + ".yaml")).string()), o);
  return {r.valid.energy.rmse(), r.valid.forces.rmse(), r.valid.stress.rmse()};
}

std::filesystem::path fresh_dir(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// The trainer with training.engine: engine against reference, everything else equal (AdamW,
// gradient clipping, EMA, validation): the validation errors after two epochs agree to 1e-8
// relative (float64; the gradients differ by rounding only, see above).
TEST(EngineGradient, TrainerWithTheEngineFollowsTheReference) {
  const std::filesystem::path dir = fresh_dir("lnet_engine_loss_trainer");
  const std::array<double, 3> ref = validation_errors(dir, "reference"),
                              got = validation_errors(dir, "engine");
  for (int k = 0; k < 3; ++k) {
    EXPECT_GT(ref[k], 0);
    EXPECT_NEAR(got[k], ref[k], 1e-8 * ref[k]) << "metric " << k;
  }
  std::filesystem::remove_all(dir);
}

// What spdlog's default logger writes while f runs.
template <class F>
std::string logged(F&& f) {
  std::ostringstream out;
  auto& sinks = spdlog::default_logger()->sinks();
  sinks.push_back(std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  f();
  sinks.pop_back();
  return out.str();
}

// The default (auto) trains a short-range model through the engine, says so in the log, and
// gives the same run, bit for bit, as training.engine: engine.
TEST(EngineGradient, TheDefaultTrainsShortRangeModelsThroughTheEngine) {
  EXPECT_EQ(TrainConfig{}.engine, "auto");
  const std::filesystem::path dir = fresh_dir("lnet_engine_loss_default");
  std::array<double, 3> by_default{};
  const std::string log = logged([&] { by_default = validation_errors(dir, ""); });
  EXPECT_NE(log.find("training engine: engine"), std::string::npos) << log;
  EXPECT_EQ(by_default, validation_errors(dir, "engine"));
  std::filesystem::remove_all(dir);
}

// What the engine cannot train yet is named (polarizable models); training.engine: engine then
// stops before writing anything, and long-range models with every loss term are accepted.
TEST(EngineGradient, EngineRefusesWhatItCannotTrainNamingIt) {
  ModelConfig polarizable = engine_config({1, 2, 1, 1}, true, true);
  polarizable.polarizable = true;
  ASSERT_TRUE(engine_unsupported(polarizable, LossWeights{}));
  EXPECT_NE(engine_unsupported(polarizable, LossWeights{})->find("polarizable"), std::string::npos);
  EXPECT_FALSE(engine_unsupported(engine_config({1, 2, 1, 1}, true, false), weights(1, 1, 1)));
  EXPECT_FALSE(engine_unsupported(engine_config({1, 2, 1, 1}, false, false), weights(1, 1, 1)));
  const std::filesystem::path dir = fresh_dir("lnet_engine_loss_refuses");
  std::vector<Structure> data;
  for (const Structure& s : labelled_batch(3))
    if (s.periodic()) data.push_back(s);  // long-range models take one kind of boundary
  write_extxyz((dir / "data.xyz").string(), data);
  std::ofstream(dir / "train.yaml") << "data: {train: data.xyz, valid_fraction: 0.5}\n"
                                       "model: {long_range: true, polarizable: true,"
                                       " charges: {Na: 0.8, Cl: -0.8}}\n"
                                       "training: {epochs: 1, engine: engine}\n"
                                       "output: {dir: out}\n";
  const TrainConfig tc = load_train_config((dir / "train.yaml").string());
  TrainOptions o;
  o.progress = false;
  const std::string msg = error_of([&] { train(tc, o); });
  EXPECT_NE(msg.find("training.engine"), std::string::npos) << msg;
  EXPECT_NE(msg.find("polarizable"), std::string::npos) << msg;
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "checkpoint.pt"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lnet
