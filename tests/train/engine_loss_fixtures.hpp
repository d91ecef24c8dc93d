// Random labelled batches and the reference and engine losses and gradients side by side, for
// the tests of training through the engine (engine_loss.hpp).
#pragma once
#include <gtest/gtest.h>

#include <vector>

#include "infer/engine_fixtures.hpp"
#include "lnet/train/engine_loss.hpp"

namespace lnet::testing {

// Two periodic structures (one a small cell with many images) and an open cluster, with random
// labels: energy, forces, and stress on the periodic ones.
inline std::vector<Structure> labelled_batch(int seed) {
  std::vector<Structure> out = {random_structure(seed, 10, 6.0, true),
                                random_structure(seed + 1, 9, 6.0, false),
                                random_structure(seed + 2, 2, 2.6, true)};
  std::srand(seed);
  auto rnd = [] { return 2.0 * std::rand() / RAND_MAX - 1.0; };
  for (Structure& s : out) {
    s.energy = -1.5 * s.size() + rnd();
    std::vector<Vec3> f;
    for (std::size_t i = 0; i < s.size(); ++i) f.emplace_back(rnd(), rnd(), rnd());
    s.forces = f;
    if (s.periodic()) {
      Mat3 sigma;
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b <= a; ++b) sigma(a, b) = sigma(b, a) = 0.01 * rnd();
      s.stress = sigma;
    }
  }
  return out;
}

inline Batch batch_of(const std::vector<Structure>& structures, const ModelConfig& c) {
  std::vector<const Structure*> ptrs;
  for (const Structure& s : structures) ptrs.push_back(&s);
  return make_batch(ptrs, c);
}

// Every parameter's .grad() in float64; `all_defined`: each must have one (a parameter without a
// path to the loss, e.g. the charge readouts of fixed charges, has none in the reference).
inline std::vector<torch::Tensor> gradients(Potential& model, bool all_defined = true) {
  std::vector<torch::Tensor> out;
  for (const auto& p : model->parameters()) {
    if (all_defined) {
      EXPECT_TRUE(p.grad().defined());
    }
    out.push_back(p.grad().defined() ? p.grad().detach().to(torch::kFloat64).clone()
                                     : torch::zeros_like(p));
  }
  return out;
}

inline double reference_loss(Potential& model, const Batch& b, const LossWeights& w) {
  for (auto& p : model->parameters()) p.mutable_grad() = torch::Tensor();
  torch::Tensor loss = loss_of(b, model->forward(b, request_for(b, model->config(), &w)), w);
  loss.backward();
  return loss.item<double>();
}

inline double engine_loss_value(Potential& model, const Batch& b, const LossWeights& w) {
  for (auto& p : model->parameters()) p.mutable_grad() = torch::Tensor();
  return engine_loss(model, b, w).loss.item<double>();
}

// max over the parameters of max |engine - reference| / max |reference of all parameters|.
inline double gradient_error(const std::vector<torch::Tensor>& got,
                             const std::vector<torch::Tensor>& ref) {
  double scale = 0, err = 0;
  for (std::size_t k = 0; k < ref.size(); ++k) {
    scale = std::max(scale, ref[k].abs().max().item<double>());
    err = std::max(err, (got[k] - ref[k]).abs().max().item<double>());
  }
  EXPECT_GT(scale, 0);
  return err / scale;
}

inline LossWeights weights(double e, double f, double s) {
  LossWeights w;
  w.energy = e;
  w.forces = f;
  w.stress = s;
  return w;
}

// The engine's loss and weight gradient against the reference's on batch b, float64, same
// graph, the sums in another order: agreement to rounding (~1e-15 per operation over some
// thousand terms); 1e-10 of the largest gradient entry leaves a wide margin and still catches
// any missing or wrong term (those are O(1)). `all_defined`: see gradients().
inline void expect_engine_gradient(Potential& model, const Batch& b, const LossWeights& w,
                                   const char* name, bool all_defined = true) {
  const double ref_loss = reference_loss(model, b, w);
  const std::vector<torch::Tensor> ref = gradients(model, all_defined);
  const double got_loss = engine_loss_value(model, b, w);
  const std::vector<torch::Tensor> got = gradients(model);
  EXPECT_NEAR(got_loss, ref_loss, 1e-10 * ref_loss) << name;
  const double err = gradient_error(got, ref);
  ::testing::Test::RecordProperty("gradient_error", sci(err));
  EXPECT_LT(err, 1e-10) << name;
}

// 20 AdamW steps of a fresh model (seed 5) on batch b, through the reference and through the
// engine: the engine's loss curve follows the reference's. float64 throughout; the two gradients
// differ by rounding (~1e-14 relative), which Adam's normalised steps pass on without
// amplification over 20 steps, hence 1e-8.
inline void expect_reference_loss_curve(const ModelConfig& c, const Batch& b,
                                        const LossWeights& w) {
  std::vector<double> curve[2];
  for (int engine = 0; engine < 2; ++engine) {
    torch::manual_seed(5);
    Potential model(c);
    torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(5e-3));
    for (int step = 0; step < 20; ++step) {
      curve[engine].push_back(engine ? engine_loss_value(model, b, w)
                                     : reference_loss(model, b, w));
      opt.step();
    }
  }
  for (int step = 0; step < 20; ++step)
    EXPECT_NEAR(curve[1][step], curve[0][step], 1e-8 * curve[0][step]) << "step " << step;
  EXPECT_LT(curve[0].back(), 0.9 * curve[0].front());  // the steps do train
}

}  // namespace lnet::testing
