// Cost of the long-range physics over network A alone (issue: network B and Born charges):
//  1. training step with the BEC loss over the energy/force/stress-only step (goal <= 3x);
//  2. inference (energy + forces) of the full model over network A alone at 1536 atoms.
// Rock-salt NaCl (a = 5.69 Å) with random displacements; ratios are measured in the same run.
//   build/bench/bench_full_model [--threads N] [--reps R]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>

#include "lnet/train/loss.hpp"

using namespace lnet;

namespace {

Structure rocksalt(int nx, int ny, int nz, int seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, 0.1);
  const double a = 5.69;
  Structure s;
  s.cell = Mat3::Identity() * a;
  s.cell(0, 0) *= nx, s.cell(1, 1) *= ny, s.cell(2, 2) *= nz;
  s.pbc = {true, true, true};
  const double frac[8][3] = {{0, 0, 0},    {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0},
                             {.5, .5, .5}, {.5, 0, 0},  {0, .5, 0},  {0, 0, .5}};
  for (int i = 0; i < nx; ++i)
    for (int j = 0; j < ny; ++j)
      for (int k = 0; k < nz; ++k)
        for (int b = 0; b < 8; ++b) {
          Vec3 r = a * Vec3(i + frac[b][0], j + frac[b][1], k + frac[b][2]);
          s.positions.push_back(r + Vec3(noise(rng), noise(rng), noise(rng)));
          s.numbers.push_back(b < 4 ? 11 : 17);
        }
  s.energy = 0.0;
  s.forces = std::vector<Vec3>(s.size(), Vec3::Zero());
  s.stress = Mat3::Zero();
  s.bec = std::vector<Mat3>(s.size(), Mat3::Identity());
  return s;
}

ModelConfig config(bool long_range) {
  ModelConfig c;
  c.species = {11, 17};
  c.network_a = {5.0, 8, 5, 2, 1, 16, 3, 2, 64};
  c.network_b = {4.0, 8, 5, 2, 1, 8, 2, 2, 32};
  c.long_range = long_range;
  c.charges = {{11, 1.0}, {17, -1.0}};
  c.sigma = {{11, 1.0}, {17, 1.0}};
  c.avg_neighbors_a = 20;
  c.avg_neighbors_b = 12;
  return c;
}

template <class F>
double median_seconds(int reps, F&& f) {
  f();  // warm-up
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

double train_step(Potential& model, const std::vector<const Structure*>& batch, LossWeights w,
                  int reps) {
  torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(1e-3));
  return median_seconds(reps, [&] {
    Batch b = make_batch(batch, model->config());
    Prediction p = model->forward(b, request_for(b, model->config(), &w));
    auto loss = loss_of(b, p, w);
    opt.zero_grad();
    loss.backward();
    opt.step();
  });
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, reps = 5;
  for (int i = 1; i + 1 < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
  }
  torch::set_num_threads(threads);
  std::printf("threads %d, float64, median of %d\n\n", threads, reps);

  torch::manual_seed(1);
  Potential full(config(true));
  std::vector<Structure> cells;
  for (int k = 0; k < 4; ++k) cells.push_back(rocksalt(2, 1, 1, k));  // 4 x 16 atoms
  std::vector<const Structure*> batch;
  for (auto& c : cells) batch.push_back(&c);
  LossWeights efs{1.0, 10.0, 1.0, 0.0, 0.0}, with_bec{1.0, 10.0, 1.0, 1.0, 0.0};
  const double t_efs = train_step(full, batch, efs, reps);
  const double t_bec = train_step(full, batch, with_bec, reps);
  std::printf("| training step, batch 4 x 16 atoms | seconds |\n|---|---|\n");
  std::printf("| energy + forces + stress | %.4f |\n| + BEC loss | %.4f |\n", t_efs, t_bec);
  std::printf("| ratio BEC / E-F-S | %.2f (goal <= 3) |\n\n", t_bec / t_efs);

  Structure big = rocksalt(8, 8, 3, 9);  // 1536 atoms
  Potential short_range(config(false));
  Request r;
  auto infer = [&](Potential& m) {
    return median_seconds(std::max(1, reps / 2), [&] {
      Batch b = make_batch({&big}, m->config());
      m->forward(b, r);
    });
  };
  const double t_a = infer(short_range), t_full = infer(full);
  std::printf("| inference, %zu atoms, energy + forces | seconds |\n|---|---|\n", big.size());
  std::printf("| network A alone | %.3f |\n| full model (A + B + Ewald/PME) | %.3f |\n", t_a,
              t_full);
  std::printf("| ratio full / A | %.2f |\n", t_full / t_a);
  return 0;
}
