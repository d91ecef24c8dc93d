// Training on cell polarizabilities: an analytic teacher (Gaussian sites with
// known per-species polarizabilities, nominal charges, induced dipoles solved exactly by the
// electrostatics) labels distorted rock-salt cells with alpha_cell, some as epsilon_inf; the
// polarizability loss (train/loss) recovers the site polarizabilities within 1e-3 relative.
#include <gtest/gtest.h>

#include <cstdio>

#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"
#include "lnet/electrostatics/induction.hpp"
#include "lnet/train/labels.hpp"
#include "lnet/train/loss.hpp"
#include "model/model_fixtures.hpp"

namespace lnet {
namespace {

using testing::distorted_nacl;
using testing::small_config;

// Known site polarizabilities (e·Å²/V): Na small, Cl large, as in the real ions.
constexpr double kAlphaNa = 0.03, kAlphaCl = 0.21;

ModelConfig student_config() {
  ModelConfig c = small_config(/*long_range=*/true);
  c.polarizable = true;
  c.induction_tolerance = 1e-10;
  return c;
}

// alpha_cell of the teacher: sites at the nuclei with the model's sigma, isotropic alpha per
// species; alpha_cell = sum_i Lambda (three CG solves of A Lambda = 1).
Mat3 teacher_alpha(const Structure& s, const ModelConfig& c) {
  const auto n = static_cast<int64_t>(s.size());
  es::Sites sites;
  sites.positions = torch::empty({n, 3}, torch::kFloat64);
  sites.sigma = torch::empty({n}, torch::kFloat64);
  auto alpha = torch::empty({n}, torch::kFloat64);
  for (int64_t i = 0; i < n; ++i) {
    for (int k = 0; k < 3; ++k) sites.positions[i][k] = s.positions[i](k);
    sites.sigma[i] = c.sigma.at(s.numbers[i]);
    alpha[i] = s.numbers[i] == 11 ? kAlphaNa : kAlphaCl;
  }
  sites.cell = torch::empty({3, 3}, torch::kFloat64);
  for (int r = 0; r < 3; ++r)
    for (int k = 0; k < 3; ++k) sites.cell[r][k] = s.cell(r, k);
  es::Settings settings;
  settings.accuracy = c.es_accuracy;
  es::Electrostatics es(settings);
  es::InductionSettings tight;
  tight.tolerance = 1e-12;
  // Tuned with dipoles at the scale alpha · 1 V/Å, as the model does (potential.cpp): without
  // charges or dipoles the tuning would see nothing to be accurate for.
  es::Sites tuning = sites;
  tuning.dipoles = alpha.unsqueeze(1).expand({-1, 3}) / std::sqrt(3.0);
  es::InductionOperator op(es.resolve(tuning), sites, alpha, tight);
  torch::Tensor ac = es::field_response(op).sum(1).t();
  Mat3 m;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) m(a, b) = ac[a][b].item<double>();
  return m;
}

TEST(PolarizabilityTraining, EpsilonInfLabelsBecomeCellPolarizabilities) {
  const ModelConfig c = student_config();
  Structure s = distorted_nacl(3);
  const Mat3 eps = Mat3::Identity() * 2.3 + Mat3::Constant(0.01);
  s.epsilon_inf = eps;
  Batch b = make_batch({&s}, c);
  ASSERT_EQ(b.polarizability_mask[0].item<double>(), 1.0);
  const Mat3 expected = (eps - Mat3::Identity()) * units::eps0 * std::abs(s.cell.determinant());
  for (int a = 0; a < 3; ++a)
    for (int k = 0; k < 3; ++k)
      EXPECT_NEAR(b.polarizability[0][a][k].item<double>(), expected(a, k), 1e-14);
  // A polarizability label wins over epsilon_inf; no label: mask 0.
  s.polarizability = Mat3::Identity();
  EXPECT_NEAR(make_batch({&s}, c).polarizability[0][0][0].item<double>(), 1.0, 1e-15);
  Structure none = distorted_nacl(4);
  EXPECT_EQ(make_batch({&none}, c).polarizability_mask[0].item<double>(), 0.0);
}

TEST(PolarizabilityTraining, LossNeedsAPolarizableModel) {
  TrainConfig config;
  config.model = small_config(true);
  config.loss.energy = config.loss.forces = 0;  // the frames carry alpha labels only
  config.loss.polarizability = 1.0;
  Structure s = distorted_nacl(5);
  s.polarizability = Mat3::Identity();
  EXPECT_THROW(check_loss_labels({s}, {}, config), InputError);
  config.model.polarizable = true;
  EXPECT_NO_THROW(check_loss_labels({s}, {}, config));
  Structure unlabelled = distorted_nacl(6);
  EXPECT_THROW(check_loss_labels({unlabelled}, {}, config), InputError);
}

// The student's alpha_i = alpha_max(sigma) sigmoid(b_Z + w·h_i): with the readout weights w at
// zero, b_Z alone sets the species' polarizability, so the loss on alpha_cell must recover the
// teacher's values. L-BFGS on the two offsets converges in a few dozen evaluations.
TEST(PolarizabilityTraining, RecoversSitePolarizabilitiesFromCellLabels) {
  torch::manual_seed(7);
  const ModelConfig c = student_config();
  Potential model(c);
  std::vector<Structure> frames;
  for (int seed : {11, 12, 13}) {
    Structure s = distorted_nacl(seed);
    if (seed == 13) {  // one frame labelled as epsilon_inf, converted per frame with its volume
      s.epsilon_inf = Mat3::Identity() + teacher_alpha(s, c) / (units::eps0 * s.volume());
    } else {
      s.polarizability = teacher_alpha(s, c);
    }
    frames.push_back(s);
  }
  std::vector<const Structure*> ptrs;
  for (const auto& s : frames) ptrs.push_back(&s);
  const Batch batch = make_batch(ptrs, c);
  LossWeights weights;
  weights.energy = weights.forces = 0;
  weights.polarizability = 1.0;
  Request request = request_for(batch, c, &weights);
  ASSERT_TRUE(request.polarizability);
  request.forces = false;  // only alpha_cell enters this loss

  auto params = model->named_parameters(true);
  torch::Tensor bias = params["network_b.polarizability_bias"];
  {
    torch::NoGradGuard guard;
    for (const auto& p : params)
      if (p.key().find("network_b.polarizability") == 0 &&
          p.key() != "network_b.polarizability_bias")
        p.value().zero_();
  }
  torch::optim::LBFGS optimizer({bias}, torch::optim::LBFGSOptions(1.0)
                                            .max_iter(60)
                                            .tolerance_grad(1e-14)
                                            .tolerance_change(1e-16)
                                            .line_search_fn("strong_wolfe"));
  int evaluations = 0;
  auto closure = [&]() {
    optimizer.zero_grad();
    torch::Tensor loss = loss_of(batch, model->forward(batch, request), weights);
    loss.backward();
    ++evaluations;
    return loss;
  };
  for (int round = 0; round < 3; ++round) optimizer.step(closure);
  const double amax_na = es::max_stable_polarizability(c.sigma.at(11));
  const double amax_cl = es::max_stable_polarizability(c.sigma.at(17));
  const double na = amax_na * torch::sigmoid(bias[0]).item<double>();
  const double cl = amax_cl * torch::sigmoid(bias[1]).item<double>();
  std::printf(
      "recovered alpha(Na) %.6g (teacher %.6g), alpha(Cl) %.6g (teacher %.6g) after %d "
      "loss evaluations\n",
      na, kAlphaNa, cl, kAlphaCl, evaluations);
  EXPECT_NEAR(na / kAlphaNa, 1.0, 1e-3);
  EXPECT_NEAR(cl / kAlphaCl, 1.0, 1e-3);
}

}  // namespace
}  // namespace lnet
