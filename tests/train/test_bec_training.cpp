// Acceptance test for training on Born effective charges: an analytic teacher (rigid ions plus
// environment-dependent dipoles, so Z* is known exactly) labels distorted rock-salt cells, and
// a short BEC-only training run recovers Z* on held-out frames within 1e-3 e.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>

#include "common/rocksalt.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/train/trainer.hpp"
#include "lnet/util/atomic_file.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;
using testing::rocksalt_fractions;
using testing::rocksalt_number;

// Teacher. Rigid ions q(Na) = +1, q(Cl) = -1 plus induced dipoles
//   mu_i = sum_j c(Z_i, Z_j) f(r_ij) (r_j - r_i) / r_ij,  f(r) = exp(-(r - 2.6)^2) s(r),
// over neighbours (periodic images included) within rc = 3.5 Å, with the cosine switch
// s(r) = (1 + cos(pi r / rc)) / 2. M = sum_i q_i r_i + sum_i mu_i and Z*_i = dM/dr_i exactly
// (autograd). c is not symmetric: for a symmetric c every pair's two dipoles cancel in M (as
// they do for same-species pairs, which therefore drop out).
constexpr double kCutoff = 3.5;

double coupling(int zi, int zj) {
  if (zi == zj) return zi == 11 ? 0.05 : -0.04;
  return zi == 11 ? 0.10 : -0.06;  // Na <- Cl, Cl <- Na
}

void label_with_teacher(Structure& s) {
  const auto n = static_cast<int64_t>(s.size());
  auto pos = torch::empty({n, 3}, torch::kFloat64);
  for (int64_t i = 0; i < n; ++i)
    for (int k = 0; k < 3; ++k) pos[i][k] = s.positions[i](k);
  pos.requires_grad_(true);
  auto cell = torch::empty({3, 3}, torch::kFloat64);
  for (int r = 0; r < 3; ++r)
    for (int k = 0; k < 3; ++k) cell[r][k] = s.cell(r, k);
  auto m = torch::zeros({3}, torch::kFloat64);
  for (int64_t i = 0; i < n; ++i) {
    const double q = s.numbers[i] == 11 ? 1.0 : -1.0;
    m = m + q * pos[i];
    // Components of r_j - r_i are below a/2 + 0.24 Å, so images beyond the first shell lie
    // farther than 1.5 a - 0.24 Å > rc.
    for (int64_t j = 0; j < n; ++j)
      for (int n0 = -1; n0 <= 1; ++n0)
        for (int n1 = -1; n1 <= 1; ++n1)
          for (int n2 = -1; n2 <= 1; ++n2) {
            if (i == j && n0 == 0 && n1 == 0 && n2 == 0) continue;
            auto d = pos[j] - pos[i] + n0 * cell[0] + n1 * cell[1] + n2 * cell[2];
            auto r = d.norm();
            if (r.item<double>() >= kCutoff) continue;
            auto f = torch::exp(-(r - 2.6).pow(2)) * 0.5 * (torch::cos(r * (M_PI / kCutoff)) + 1);
            m = m + coupling(s.numbers[i], s.numbers[j]) * f * d / r;
          }
  }
  std::vector<Mat3> bec(s.size(), Mat3::Zero());
  for (int a = 0; a < 3; ++a) {
    auto row = torch::autograd::grad({m[a]}, {pos}, {}, /*retain_graph=*/true)[0];
    for (int64_t i = 0; i < n; ++i)
      for (int b = 0; b < 3; ++b) bec[i](a, b) = row[i][b].item<double>();
  }
  s.bec = bec;
}

// Eight-atom rock-salt cells, a = 5.2-5.6 Å, atoms displaced by up to 0.12 Å per component.
std::vector<Structure> teacher_set(int count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> lattice(5.2, 5.6);
  // Bounded displacements: held-out frames then stay within the pair distances the training
  // frames cover (Gaussian tails put a few held-out bonds where the fit extrapolates).
  std::uniform_real_distribution<double> noise(-0.12, 0.12);
  std::vector<Structure> out;
  for (int k = 0; k < count; ++k) {
    Structure s;
    const double a = lattice(rng);
    s.cell = Mat3::Identity() * a;
    s.pbc = {true, true, true};
    for (int i = 0; i < 8; ++i) {
      s.positions.push_back(a * rocksalt_fractions()[i] + Vec3(noise(rng), noise(rng), noise(rng)));
      s.numbers.push_back(rocksalt_number(i));
    }
    label_with_teacher(s);
    out.push_back(std::move(s));
  }
  return out;
}

class BecTrainingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Per process: test binaries built from other checkouts may run this test concurrently.
    dir_ = fs::temp_directory_path() / ("lnet_bec_training_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!::testing::Test::HasFailure()) fs::remove_all(dir_);
  }
  fs::path dir_;
};

TEST_F(BecTrainingTest, RecoversTeacherBecOnHeldOutFrames) {
  const auto start = std::chrono::steady_clock::now();
  write_extxyz((dir_ / "data.xyz").string(), teacher_set(40, 7));
  // Network B: one layer whose l = 1 message R(r) h_j Y_1(r_ij), summed over neighbours and
  // weighted by the receiver's species (correlation 1), has the teacher's form. Network A
  // plays no part in Z*: it is kept minimal.
  const std::string yaml =
      "data: {train: data.xyz, valid_fraction: 0.2, test_fraction: 0.2, seed: 3}\n"
      "model:\n"
      "  network_a: {cutoff: 3.0, channels: 2, l_max: 0, l_hidden: 0, correlation: 1,"
      " layers: 1, num_basis: 2, radial_hidden: 4}\n"
      "  long_range: true\n"
      "  network_b: {cutoff: 3.5, channels: 8, l_max: 1, l_hidden: 1, correlation: 1,"
      " layers: 1, num_basis: 8, radial_hidden: 32}\n"
      "  charges: {Na: 1.0, Cl: -1.0}\n"
      "  electrostatics: {method: ewald, accuracy: 1.0e-4}\n"
      "training:\n"
      "  epochs: 200\n  batch_size: 4\n  lr: 0.005\n  ema_decay: 0.99\n"
      "  loss: {energy: 0.0, forces: 0.0, bec: 1.0}\n"
      "  scheduler: {factor: 0.5, patience: 5, min_lr: 1.0e-4}\n"
      "  early_stopping_patience: 40\n  checkpoint_every: 0\n  seed: 1\n"
      "output: {dir: " +
      (dir_ / "run").string() + "}\n";
  write_file_atomic((dir_ / "train.yaml").string(), yaml);
  TrainConfig c = load_train_config((dir_ / "train.yaml").string());

  // The untrained model, built exactly as the trainer builds it.
  DataSplit split = load_split(c);
  ASSERT_FALSE(split.valid.empty());
  ASSERT_FALSE(split.test.empty());
  ModelConfig m = c.model;
  std::vector<Structure> others = split.valid;
  others.insert(others.end(), split.test.begin(), split.test.end());
  fit_statistics(split.train, others, m);
  torch::manual_seed(static_cast<uint64_t>(c.seed));
  Potential initial(m);
  const double before = evaluate(initial, split.test, 4).bec.rmse();

  TrainOptions o;
  o.progress = false;
  TrainResult r = train(c, o);
  const double valid = r.valid.bec.rmse(), test = r.test.bec.rmse();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << "held-out BEC RMSE: untrained " << before << " e; trained: validation " << valid
            << " e, test " << test << " e (" << r.epochs_run << " epochs, " << seconds << " s)\n";
  ASSERT_GT(before, 1e-2);  // the dipole part of Z* is far from negligible
  EXPECT_LT(valid, 1e-3);
  EXPECT_LT(test, 1e-3);
}

}  // namespace
}  // namespace lnet
