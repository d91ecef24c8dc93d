// Training long-range models through the CPU engine (engine_loss.hpp, long_range_gradient.hpp):
// for random models with fixed and with learned charges, on a batch of periodic and open
// structures with a field on one of them, the engine's loss and weight gradient equal the torch
// reference's (loss_of + backward) per loss term (energy, forces, stress, Born charges, dipole) and
// combined; float32 follows float64; 20 AdamW steps follow the reference's loss curve;
// engine_predict (validation) equals the reference's forward pass, and the trainer follows the
// reference run.
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "infer/engine_fixtures.hpp"
#include "lnet/infer/long_range_gradient.hpp"
#include "lnet/train/engine_loss.hpp"
#include "lnet/train/trainer.hpp"
#include "train/engine_loss_fixtures.hpp"

namespace lnet {
namespace {

using namespace lnet::testing;

// labelled_batch (energies, forces, stresses) with random Born charges and dipoles, and a field on
// the first structure.
std::vector<Structure> long_range_batch(int seed) {
  std::vector<Structure> out = labelled_batch(seed);
  std::srand(seed + 7);
  auto rnd = [] { return 2.0 * std::rand() / RAND_MAX - 1.0; };
  for (Structure& s : out) {
    std::vector<Mat3> z;
    for (std::size_t i = 0; i < s.size(); ++i) {
      Mat3 m;
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b)
          m(a, b) = (a == b ? (s.numbers[i] == 11 ? 1.0 : -1.0) : 0.0) + 0.2 * rnd();
      z.push_back(m);
    }
    s.bec = z;
    s.dipole = Vec3(rnd(), rnd(), rnd());
  }
  out[0].efield = Vec3(0.05, -0.03, 0.02);
  return out;
}

LossWeights terms(double energy, double forces, double bec, double dipole, double stress = 0) {
  LossWeights w = weights(energy, forces, stress);
  w.bec = bec;
  w.polarization = dipole;
  return w;
}

struct Case {
  bool learn_charges;
  Shape b;  // network B
  LossWeights weights;
  const char* name;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class EngineLongRangeLossTest : public ::testing::TestWithParam<Case> {};

// float64: to 1e-10 of the largest gradient entry (expect_engine_gradient; the reference leaves
// the charge readouts of fixed charges without a gradient).
TEST_P(EngineLongRangeLossTest, GradientEqualsTheReference) {
  const Case k = GetParam();
  torch::manual_seed(17 + k.b.l_max + 10 * k.b.correlation + 100 * k.b.layers);
  const ModelConfig c = engine_config({1, 2, 2, 1}, true, k.learn_charges, k.b);
  Potential model(c);
  const std::vector<Structure> data = long_range_batch(3 + k.b.layers);
  const Batch b = batch_of(data, c);
  expect_engine_gradient(model, b, k.weights, k.name, false);
}

INSTANTIATE_TEST_SUITE_P(
    ChargesShapesAndTerms, EngineLongRangeLossTest,
    ::testing::Values(Case{false, {1, 2, 2, 1}, terms(1, 0, 0, 0), "fixed: energy"},
                      Case{false, {1, 2, 2, 1}, terms(0, 1, 0, 0), "fixed: forces"},
                      Case{false, {1, 2, 2, 1}, terms(0, 0, 1, 0), "fixed: bec"},
                      Case{false, {1, 2, 2, 1}, terms(0, 0, 0, 1), "fixed: dipole"},
                      Case{true, {1, 2, 2, 1}, terms(1, 0, 0, 0), "learned: energy"},
                      Case{true, {1, 2, 2, 1}, terms(0, 1, 0, 0), "learned: forces"},
                      Case{true, {1, 2, 2, 1}, terms(0, 0, 1, 0), "learned: bec"},
                      Case{true, {1, 2, 2, 1}, terms(0, 0, 0, 1), "learned: dipole"},
                      Case{false, {1, 2, 2, 1}, terms(0, 0, 0, 0, 1), "fixed: stress"},
                      Case{true, {1, 2, 2, 1}, terms(0, 0, 0, 0, 1), "learned: stress"},
                      Case{true, {2, 3, 2, 1}, terms(1, 10, 100, 1, 100), "learned: combined"},
                      Case{true, {1, 1, 1, 0}, terms(1, 10, 100, 1, 100), "learned: combined"},
                      Case{false, {2, 2, 3, 2}, terms(1, 10, 100, 1, 100), "fixed: combined"}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::to_string(info.index); });

// 20 AdamW steps from the same weights, every loss term with learned charges:
// the engine's loss curve follows the reference's (expect_reference_loss_curve).
TEST(EngineLongRangeGradient, TrainingFollowsTheReferenceLossCurve) {
  const ModelConfig c = engine_config({1, 2, 1, 0}, true, true, Shape{1, 2, 2, 1});
  const std::vector<Structure> data = long_range_batch(23);
  const Batch b = batch_of(data, c);
  const LossWeights w = terms(1, 10, 100, 1, 100);
  expect_reference_loss_curve(c, b, w);
}

// float32 engine arithmetic (Dual<float>) against float64 for network B's gradient, every seed
// (energy, forces, virial, dipole, Born charges) at once with a field; the electrostatics stay
// float64. float32 rounding is ~6e-8 per operation; 1e-4 of the largest entry bounds its
// accumulation.
TEST(EngineLongRangeGradient, Float32FollowsFloat64) {
  torch::manual_seed(3);
  const ModelConfig c = engine_config({1, 2, 1, 0}, true, true, Shape{2, 2, 2, 1});
  Potential model(c);
  const infer::ModelWeights w = infer_weights(model);
  const Structure s = random_structure(4, 10, 6.0, true);
  const NeighborList na = build_neighbor_list(s.positions, s.cell, s.pbc, c.network_a.cutoff),
                     nb = build_neighbor_list(s.positions, s.cell, s.pbc, c.network_b.cutoff);
  infer::Input in;
  std::vector<double> sigma;
  for (int z : s.numbers) {
    in.species.push_back(c.species_index(z));
    sigma.push_back(w.sigma.at(in.species.back()));
  }
  in.positions = s.positions;
  in.cell = s.cell;
  in.edges_a = &na;
  in.edges_b = &nb;
  in.efield = Vec3(0.02, -0.01, 0.03);
  std::optional<es::Parameters> params;  // resolved by the evaluation
  infer::EngineModel<double>(w).evaluate(
      in, torch_electrostatics(model->electrostatics(), params, in.positions, s.cell, true, sigma));
  const infer::ElectrostaticsTangentFn es = torch_electrostatics_tangent(
      model->electrostatics(), *params, in.positions, s.cell, true, sigma);
  infer::LongRangeSeeds seed;
  seed.energy = 0.3;
  seed.dipole = Vec3(0.2, -0.1, 0.4);
  seed.virial << 0.2, 0.1, 0, 0.1, -0.3, 0.05, 0, 0.05, 0.1;
  for (std::size_t i = 0; i < s.size(); ++i) {
    seed.forces.emplace_back(0.1 * i, -0.2, 0.05 * i);
    seed.bec.push_back(0.1 * Mat3::Identity() + 0.01 * static_cast<double>(i) * Mat3::Ones());
  }
  infer::PolarizationWeights g64 = infer::long_range_gradient_batch<double>(w, {in}, {seed}, {es}),
                             g32 = infer::long_range_gradient_batch<float>(w, {in}, {seed}, {es});
  std::vector<infer::Matrix> from64;
  for_each_trained(g64, [&](const std::string&, infer::Matrix& m) { from64.push_back(m); });
  double err = 0, scale = 0;
  std::size_t k = 0;
  for_each_trained(g32, [&](const std::string&, infer::Matrix& m) {
    const infer::Matrix& ref = from64[k++];
    for (std::size_t q = 0; q < m.data.size(); ++q) {
      err = std::max(err, std::abs(m.data[q] - ref.data[q]));
      scale = std::max(scale, std::abs(ref.data[q]));
    }
  });
  RecordProperty("float32_gradient_error", sci(err / scale));
  EXPECT_GT(scale, 0);
  EXPECT_LT(err / scale, 1e-4);
}

// What validation reads when a run trains through the engine: engine_predict equals the
// reference's forward pass (energy, forces, stress, charges, dipoles, M, Born charges) to 1e-10
// of each quantity's largest entry (float64, same graph, sums in another order).
TEST(EngineLongRangeGradient, PredictionEqualsTheReference) {
  torch::manual_seed(9);
  const ModelConfig c = engine_config({1, 2, 2, 1}, true, true, Shape{1, 2, 2, 1});
  Potential model(c);
  const Batch b = batch_of(long_range_batch(29), c);
  Request r = request_for(b, c, nullptr);
  ASSERT_TRUE(r.forces && r.stress && r.bec);
  const Prediction ref = model->forward(b, r), got = engine_predict(model, b, r);
  const std::pair<const char*, std::pair<torch::Tensor, torch::Tensor>> pairs[] = {
      {"energy", {got.energy, ref.energy}},
      {"forces", {got.forces, ref.forces}},
      {"stress", {got.stress, ref.stress}},
      {"charges", {got.charges, ref.charges}},
      {"dipoles", {got.dipoles, ref.dipoles}},
      {"polarization", {got.polarization, ref.polarization}},
      {"bec", {got.bec, ref.bec}}};
  for (const auto& [name, t] : pairs) {
    ASSERT_TRUE(t.first.defined()) << name;
    const double scale = t.second.abs().max().item<double>();
    EXPECT_GT(scale, 0) << name;
    EXPECT_LT((t.first - t.second.detach()).abs().max().item<double>(), 1e-10 * scale) << name;
  }
}

// The trainer with training.engine: engine against reference for a long-range model with learned
// charges (every loss term, validation through engine_predict): the validation errors after
// two epochs agree to 1e-8 relative (float64; rounding only).
TEST(EngineLongRangeGradient, TrainerWithTheEngineFollowsTheReference) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "lnet_engine_loss_long_range_trainer";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::vector<Structure> data;
  for (int seed : {31, 41, 51})
    for (const Structure& s : long_range_batch(seed))
      if (s.periodic()) data.push_back(s);  // one kind of boundary per long-range run
  write_extxyz((dir / "data.xyz").string(), data);
  std::array<std::array<double, 4>, 2> errors{};
  for (int engine = 0; engine < 2; ++engine) {
    const std::string name = engine ? "engine" : "reference";
    std::ofstream(dir / (name + ".yaml"))
        << "data: {train: data.xyz, valid_fraction: 0.34, seed: 2}\n"
           "model:\n  network_a: {cutoff: 3.5, channels: 8, l_max: 2, l_hidden: 1,"
           " correlation: 2, layers: 2, num_basis: 6, radial_hidden: 16}\n"
           "  long_range: true\n  learn_charges: true\n  charges: {Na: 0.8, Cl: -0.8}\n"
           "  network_b: {cutoff: 3.0, channels: 6, l_max: 1, l_hidden: 1, correlation: 2,"
           " layers: 2}\n"
           "training: {epochs: 2, batch_size: 2, lr: 0.01, engine: "
        << name << ", loss: {energy: 1, forces: 10, stress: 100, bec: 10, polarization: 1}}\n"
        << "output: {dir: " << name << "}\n";
    TrainOptions o;
    o.progress = false;
    std::ostringstream report;
    o.report = &report;
    const TrainResult t = train(load_train_config((dir / (name + ".yaml")).string()), o);
    errors[engine] = {t.valid.energy.rmse(), t.valid.forces.rmse(), t.valid.stress.rmse(),
                      t.valid.bec.rmse()};
  }
  for (int k = 0; k < 4; ++k) {
    EXPECT_GT(errors[0][k], 0) << "metric " << k;
    EXPECT_NEAR(errors[1][k], errors[0][k], 1e-8 * errors[0][k]) << "metric " << k;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lnet
