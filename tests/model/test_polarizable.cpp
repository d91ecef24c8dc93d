// The polarizable model (DESIGN.md §1): induced dipoles inside the potential. Forces,
// stress, Z* (as dM/dr and as dF/dE), alpha_cell (as finite-field differences of M) against
// central differences of converged solutions, epsilon_inf, rotation covariance, warm start, the
// model file, and exact weight gradients of losses on forces, Z* and alpha_cell (implicit
// differentiation) against finite differences of those losses. float64 throughout.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "lnet/core/constants.hpp"
#include "lnet/electrostatics/induction.hpp"
#include "lnet/model/model_file.hpp"
#include "model_fixtures.hpp"

namespace lnet {
namespace {

using testing::distorted_nacl;
using testing::predict;
using testing::random_rotation;
using testing::small_config;

ModelConfig polarizable_config(bool anisotropic = false) {
  ModelConfig c = small_config(/*long_range=*/true, /*learn_charges=*/true);
  c.polarizable = true;
  c.anisotropic_polarizability = anisotropic;
  c.induction_tolerance = 1e-12;  // FD checks test derivatives, not the solver
  return c;
}

// The l = 2 readout starts small (weights × 0.1); tests scale it up so that the site tensors are
// anisotropic by tens of per cent and every check sees that part.
void strengthen_anisotropy(Potential& model, double factor) {
  torch::NoGradGuard guard;
  model->named_parameters(true)["network_b.polarizability_l2"].mul_(factor);
}

// Every test runs with isotropic and with anisotropic (l = 2) site polarizabilities.
class PolarizableTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    torch::manual_seed(5);
    model = Potential(polarizable_config(GetParam()));
    if (GetParam()) strengthen_anisotropy(model, 100);
  }
  Potential model{nullptr};
};

INSTANTIATE_TEST_SUITE_P(Sites, PolarizableTest, ::testing::Values(false, true),
                         [](const auto& info) {
                           return std::string(info.param ? "Anisotropic" : "Isotropic");
                         });

// Sum of the traces of the site polarizabilities ([N] or [N,3,3]).
double site_trace(const torch::Tensor& alpha) {
  return alpha.dim() == 3 ? alpha.diagonal(0, 1, 2).sum().item<double>()
                          : 3 * alpha.sum().item<double>();
}

Request everything() {
  Request r;
  r.stress = true;
  r.bec = true;
  r.polarizability = true;
  return r;
}

double energy_of(Potential& p, const Structure& s) {
  Request r;
  r.forces = false;
  return predict(p, s, r).energy.item<double>();
}

Vec3 polarization(Potential& p, const Structure& s) {
  Request r;
  r.forces = false;
  auto m = predict(p, s, r).polarization[0];
  return {m[0].item<double>(), m[1].item<double>(), m[2].item<double>()};
}

TEST_P(PolarizableTest, ForcesAndStressMatchFiniteDifferences) {
  Structure s = distorted_nacl(31);
  s.efield = Vec3(0.05, -0.03, 0.08);
  auto p = predict(model, s, everything());
  ASSERT_TRUE(p.induced_dipoles.defined());
  const double mu_ind = p.induced_dipoles.abs().max().item<double>();
  ASSERT_GT(mu_ind, 1e-2) << "induced dipoles too small for the test to mean anything";
  std::printf("max |mu_ind| %.3g e·Å, %d CG iterations (one solve + 3 response solves)\n", mu_ind,
              p.induction_iterations);
  // h = 1e-4 Å: truncation O(h² E''') ~ 1e-8 eV/Å, rounding 1e-16·100 eV/h ~ 1e-10, solver
  // error in E O(tol²). 1e-6 eV/Å catches any missing term (the induced force is ~0.1 eV/Å).
  const double h = 1e-4;
  for (std::size_t i : {0, 3, 6})
    for (int b = 0; b < 3; ++b) {
      Structure sp = s, sm = s;
      sp.positions[i](b) += h;
      sm.positions[i](b) -= h;
      const double fd = -(energy_of(model, sp) - energy_of(model, sm)) / (2 * h);
      EXPECT_NEAR(p.forces[i][b].item<double>(), fd, 1e-6) << "atom " << i << " dir " << b;
    }
  const double volume = std::abs(s.cell.determinant());
  for (int a = 0; a < 3; ++a)
    for (int b = a; b < 3; ++b) {
      Mat3 e = Mat3::Zero();
      e(a, b) += 0.5 * h;
      e(b, a) += 0.5 * h;
      auto strained = [&](double sign) {
        Structure t = s;
        const Mat3 d = Mat3::Identity() + sign * e;
        for (auto& x : t.positions) x = d.transpose() * x;
        t.cell = s.cell * d;
        return energy_of(model, t);
      };
      const double fd = (strained(1) - strained(-1)) / (2 * h) / volume;
      EXPECT_NEAR(p.stress[0][a][b].item<double>(), fd, 1e-7) << "stress " << a << b;
    }
}

// Z* = dM/dr by central differences of M (re-solved at every geometry), and Z* = dF/dE by
// central differences of the forces in the field: F is linear in E (mu* is), so the field
// difference quotient errs only by the solver.
TEST_P(PolarizableTest, BornChargesAreDmDrAndDfDe) {
  Structure s = distorted_nacl(32);
  Request r;
  r.bec = true;
  auto p = predict(model, s, r);
  const double h = 1e-4;  // M smooth: truncation ~1e-8 e, rounding ~1e-11 e
  double max_err = 0, max_ind = 0;
  auto induced_sum = [&](const Structure& t) {
    Request q;
    q.forces = false;
    return predict(model, t, q).induced_dipoles.sum(0);
  };
  for (std::size_t i : {1, 4, 7})
    for (int b = 0; b < 3; ++b) {
      Structure sp = s, sm = s;
      sp.positions[i](b) += h;
      sm.positions[i](b) -= h;
      Vec3 fd = (polarization(model, sp) - polarization(model, sm)) / (2 * h);
      for (int a = 0; a < 3; ++a)
        max_err = std::max(max_err, std::abs(fd(a) - p.bec[i][a][b].item<double>()));
      max_ind = std::max(
          max_ind, ((induced_sum(sp) - induced_sum(sm)) / (2 * h)).abs().max().item<double>());
    }
  // The induced part of Z* (d sum mu_ind / dr) must be large against the tolerance.
  ASSERT_GT(max_ind, 1e-3);
  EXPECT_LT(max_err, 1e-7) << "Z* vs dM/dr";
  // dF/dE.
  const double he = 1e-3;  // V/Å
  double max_err_e = 0;
  for (int a = 0; a < 3; ++a) {
    Structure ep = s, em = s;
    Vec3 e = Vec3::Zero();
    e(a) = he;
    ep.efield = e;
    em.efield = -e;
    torch::Tensor df = (predict(model, ep).forces - predict(model, em).forces) / (2 * he);
    max_err_e = std::max(max_err_e, (df - p.bec.select(1, a)).abs().max().item<double>());
  }
  // Forces ~1 eV/Å, rounding 1e-15/1e-3 ~ 1e-12; solver 1e-12 relative.
  EXPECT_LT(max_err_e, 1e-8) << "Z* vs dF/dE";
  // Induced contribution: compare with the acoustic sum rule and the permanent-only Z*.
  torch::Tensor sum = p.bec.sum(0);
  EXPECT_LT(sum.abs().max().item<double>(), 1e-9) << "acoustic sum rule " << sum;
  std::printf("Z*: |dM/dr - Z*| %.3g, |dF/dE - Z*| %.3g e; induced part up to %.3g e\n", max_err,
              max_err_e, max_ind);
}

// alpha_cell = dM/dE at fixed nuclei (M exactly linear in E) and epsilon_inf = 1 + alpha/(eps0 V).
TEST_P(PolarizableTest, CellPolarizabilityIsFiniteFieldDerivative) {
  Structure s = distorted_nacl(33);
  Request r;
  r.forces = false;
  r.polarizability = true;
  auto p = predict(model, s, r);
  const double h = 1e-3;
  for (int b = 0; b < 3; ++b) {
    Structure ep = s, em = s;
    Vec3 e = Vec3::Zero();
    e(b) = h;
    ep.efield = e;
    em.efield = -e;
    Vec3 dm = (polarization(model, ep) - polarization(model, em)) / (2 * h);
    for (int a = 0; a < 3; ++a)
      EXPECT_NEAR(p.polarizability[0][a][b].item<double>(), dm(a), 1e-9) << a << b;
  }
  const double volume = std::abs(s.cell.determinant());
  torch::Tensor eps = torch::eye(3, torch::kFloat64) + p.polarizability[0] / (units::eps0 * volume);
  EXPECT_LT((eps - p.epsilon_inf[0]).abs().max().item<double>(), 1e-12);
  const double trace = p.polarizability[0].trace().item<double>();
  const double sites = site_trace(p.site_polarizability);
  std::printf("alpha_cell trace %.4g vs 3 sum alpha_i %.4g e·Å²/V; eps_inf diag %.4f %.4f %.4f\n",
              trace, sites, p.epsilon_inf[0][0][0].item<double>(),
              p.epsilon_inf[0][1][1].item<double>(), p.epsilon_inf[0][2][2].item<double>());
  EXPECT_GT(p.epsilon_inf[0].diagonal().min().item<double>(), 1.0);
}

TEST_P(PolarizableTest, PolarizabilityRotatesAsTensor) {
  Structure s = distorted_nacl(34);
  Request r;
  r.forces = false;
  r.polarizability = true;
  auto a0 = predict(model, s, r).polarizability[0];
  const Mat3 rot = random_rotation(3);
  Structure t = s;
  for (auto& x : t.positions) x = rot * x;
  t.cell = (rot * s.cell.transpose()).transpose();
  auto a1 = predict(model, t, r).polarizability[0];
  torch::Tensor rt = torch::from_blob(const_cast<double*>(rot.data()), {3, 3}, torch::kFloat64)
                         .clone()
                         .t();  // Eigen is column-major
  EXPECT_LT((rt.matmul(a0).matmul(rt.t()) - a1).abs().max().item<double>(), 1e-10);
}

TEST_P(PolarizableTest, WarmStartAndModelFile) {
  Structure s = distorted_nacl(35);
  auto p0 = predict(model, s);
  Structure moved = s;
  moved.positions[2] += Vec3(0.002, -0.001, 0.001);  // an MD step's motion
  auto cold = predict(model, moved);
  Request warm_request;
  warm_request.induced_guess = p0.induced_dipoles;
  auto warm = predict(model, moved, warm_request);
  std::printf("warm start: %d vs %d CG iterations (tolerance 1e-12)\n", warm.induction_iterations,
              cold.induction_iterations);
  EXPECT_LT(warm.induction_iterations, cold.induction_iterations);
  EXPECT_NEAR(warm.energy.item<double>(), cold.energy.item<double>(), 1e-12);

  Potential loaded = model_from_bytes(model_to_bytes(model), "memory");
  EXPECT_TRUE(loaded->config().polarizable);
  EXPECT_EQ(loaded->config().anisotropic_polarizability, GetParam());
  EXPECT_EQ(loaded->config().induction_tolerance, 1e-12);
  EXPECT_NEAR(predict(loaded, s).energy.item<double>(), p0.energy.item<double>(), 1e-12);
  // A non-polarizable config writes no polarizable keys (earlier files stay byte-identical).
  nlohmann::json j = small_config(true);
  EXPECT_FALSE(j.contains("polarizable"));
  ModelConfig bad = polarizable_config();
  bad.epsilon_s = 2.0;
  EXPECT_TRUE(find_problem(bad).has_value());
}

// Raman tensors d alpha_cell / d r against central differences of alpha_cell (fresh solves).
TEST_P(PolarizableTest, RamanTensorsMatchFiniteDifferences) {
  Structure s = distorted_nacl(37);
  Request r;
  r.forces = false;
  r.raman = true;
  auto p = predict(model, s, r);
  Request ra;
  ra.forces = false;
  ra.polarizability = true;
  // alpha_cell ~ 2 e·Å²/V: h = 1e-4 Å gives truncation ~1e-8 and rounding ~1e-12 e·Å/V.
  const double h = 1e-4;
  double max_err = 0, max_raman = 0;
  for (std::size_t i : {0, 5})
    for (int b = 0; b < 3; ++b) {
      Structure sp = s, sm = s;
      sp.positions[i](b) += h;
      sm.positions[i](b) -= h;
      torch::Tensor fd =
          (predict(model, sp, ra).polarizability[0] - predict(model, sm, ra).polarizability[0]) /
          (2 * h);
      torch::Tensor an = p.raman[i].select(2, b);
      max_err = std::max(max_err, (fd - an).abs().max().item<double>());
      max_raman = std::max(max_raman, fd.abs().max().item<double>());
    }
  ASSERT_GT(max_raman, 1e-3);
  EXPECT_LT(max_err, 1e-7);
  std::printf("Raman: max |d alpha/dr| %.3g e·Å/V, error vs FD %.3g\n", max_raman, max_err);
}

// Anisotropic site polarizabilities: a genuine l = 2 part, covariant per atom (alpha_i(R r) =
// R alpha_i R^T), and positive definite below alpha_max(sigma_i) even for readout weights far
// beyond what training reaches.
TEST(AnisotropicPolarizability, CovariantBoundedAndSymmetric) {
  torch::manual_seed(6);
  Potential model(polarizable_config(true));
  strengthen_anisotropy(model, 100);
  Structure s = distorted_nacl(39);
  Request r;
  r.forces = false;
  const torch::Tensor a0 = predict(model, s, r).site_polarizability;
  ASSERT_EQ(a0.dim(), 3);
  EXPECT_LT((a0 - a0.transpose(1, 2)).abs().max().item<double>(), 1e-15);
  const torch::Tensor eig = torch::linalg_eigvalsh(a0);
  const double spread = ((eig.select(1, 2) - eig.select(1, 0)) / eig.mean(1)).max().item<double>();
  std::printf("site alpha eigenvalues %.4g .. %.4g e·Å²/V, largest (max - min) / mean %.3g\n",
              eig.min().item<double>(), eig.max().item<double>(), spread);
  EXPECT_GT(spread, 0.1);  // the l = 2 part is there

  const Mat3 rot = random_rotation(4);
  Structure t = s;
  for (auto& x : t.positions) x = rot * x;
  t.cell = (rot * s.cell.transpose()).transpose();
  torch::Tensor rt = torch::from_blob(const_cast<double*>(rot.data()), {3, 3}, torch::kFloat64)
                         .clone()
                         .t();  // Eigen is column-major
  const torch::Tensor a1 = predict(model, t, r).site_polarizability;
  EXPECT_LT((rt.matmul(a0).matmul(rt.t()) - a1).abs().max().item<double>(), 1e-12);

  strengthen_anisotropy(model, 1e3);
  const torch::Tensor big = torch::linalg_eigvalsh(predict(model, s, r).site_polarizability);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double sigma = s.numbers[i] == 11 ? 0.7 : 0.9;  // small_config
    EXPECT_GT(big[i][0].item<double>(), 0);
    EXPECT_LT(big[i][2].item<double>(), es::max_stable_polarizability(sigma));
  }
  ModelConfig bad = polarizable_config(true);
  bad.network_b.l_max = 1;
  EXPECT_TRUE(find_problem(bad).has_value());
  bad = small_config(true);
  bad.anisotropic_polarizability = true;
  EXPECT_TRUE(find_problem(bad).has_value());
}

// NVE under a field with induced dipoles at the default solver tolerance (1e-8), warm-started
// from the previous step: velocity Verlet conserves E_pot + E_kin up to its O(dt²) error (the
// fluctuation falls 4× when dt halves), i.e. the solver adds no drift of its own.
struct NveResult {
  double max_deviation = 0, pe_range = 0;
  int iterations = 0;
};

NveResult run_nve(Potential& model, Structure s, double dt, int steps) {
  std::mt19937 rng(5);
  std::normal_distribution<double> gauss(0.0, 4e-3);  // Å/fs, ~400 K
  const auto n = s.size();
  std::vector<Vec3> v(n);
  std::vector<double> m(n);
  Vec3 momentum = Vec3::Zero();
  double total_mass = 0;
  for (std::size_t i = 0; i < n; ++i) {
    m[i] = s.numbers[i] == 11 ? 22.98977 : 35.453;
    v[i] = Vec3(gauss(rng), gauss(rng), gauss(rng));
    momentum += m[i] * v[i];
    total_mass += m[i];
  }
  for (std::size_t i = 0; i < n; ++i) v[i] -= momentum / total_mass;
  auto accelerations = [&](const Prediction& p) {
    std::vector<Vec3> a(n);
    for (std::size_t i = 0; i < n; ++i)
      for (int k = 0; k < 3; ++k)
        a[i](k) = p.forces[i][k].item<double>() / (m[i] * units::amu_a2_per_fs2_to_ev);
    return a;
  };
  auto kinetic = [&] {
    double e = 0;
    for (std::size_t i = 0; i < n; ++i) e += 0.5 * m[i] * v[i].squaredNorm();
    return e * units::amu_a2_per_fs2_to_ev;
  };
  Request r;
  Prediction p = predict(model, s, r);
  auto a = accelerations(p);
  const double e0 = p.energy.item<double>() + kinetic();
  double pe_min = 1e300, pe_max = -1e300;
  NveResult out;
  for (int step = 0; step < steps; ++step) {
    for (std::size_t i = 0; i < n; ++i) {
      v[i] += 0.5 * dt * a[i];
      s.positions[i] += dt * v[i];  // unwrapped, so that -E·M stays continuous
    }
    r.induced_guess = p.induced_dipoles;
    p = predict(model, s, r);
    out.iterations += p.induction_iterations;
    a = accelerations(p);
    for (std::size_t i = 0; i < n; ++i) v[i] += 0.5 * dt * a[i];
    const double pe = p.energy.item<double>();
    pe_min = std::min(pe_min, pe);
    pe_max = std::max(pe_max, pe);
    out.max_deviation = std::max(out.max_deviation, std::abs(pe + kinetic() - e0));
  }
  out.pe_range = pe_max - pe_min;
  return out;
}

TEST(PolarizableMd, NveConservesEnergyInAField) {
  torch::manual_seed(5);
  ModelConfig c = polarizable_config();
  c.induction_tolerance = 1e-8;  // the default: what MD runs with
  Potential model(c);
  Structure s = distorted_nacl(38);
  s.efield = Vec3(0.05, 0.0, 0.02);
  const NveResult coarse = run_nve(model, s, 1.0, 60);
  const NveResult fine = run_nve(model, s, 0.5, 120);
  std::printf(
      "NVE 60 fs: |dE| max %.3g eV (dt 1 fs), %.3g eV (dt 0.5 fs); E_pot range %.3g eV; "
      "%.1f CG iterations per step (warm start)\n",
      coarse.max_deviation, fine.max_deviation, coarse.pe_range, double(fine.iterations) / 120);
  ASSERT_GT(coarse.pe_range, 1e-2);  // the atoms move enough for the test to mean something
  EXPECT_LT(coarse.max_deviation, 1e-2 * coarse.pe_range);
  // Verlet's O(dt²): halving dt divides the error by ~4; a solver drift would not shrink so.
  EXPECT_GT(coarse.max_deviation / fine.max_deviation, 2.5);
}

// Implicit differentiation in training: weight gradients of losses on forces, Z* and alpha_cell
// (second derivatives through the induced dipoles) against central differences of the losses.
TEST_P(PolarizableTest, WeightGradientsOfDerivativeLossesAreExact) {
  Structure s = distorted_nacl(36);
  s.efield = Vec3(0.02, 0.01, -0.03);
  auto loss_of = [&](bool graph) {
    Request r;
    r.bec = true;
    r.polarizability = true;
    r.create_graph = graph;
    auto p = predict(model, s, r);
    return p.forces.pow(2).sum() + p.bec.pow(2).sum() + 10 * p.polarizability.pow(2).sum();
  };
  auto params = model->named_parameters(true);
  std::vector<std::pair<std::string, int64_t>> probes = {{"network_b.polarizability_bias", 0},
                                                         {"network_b.polarizability_bias", 1},
                                                         {"network_b.polarizability0", 3},
                                                         {"network_b.dipole1", 2},
                                                         {"network_b.charge0", 1}};
  if (GetParam()) probes.push_back({"network_b.polarizability_l2", 4});
  model->zero_grad();
  loss_of(true).backward();
  // h = 1e-5 on weights: truncation O(h²) ~ 1e-10 relative, solver O(1e-12)/h ~ 1e-7 absolute;
  // 1e-5 relative catches a missing d mu*/d theta or d Lambda/d theta term (>= 1e-2 relative).
  const double h = 1e-5;
  for (const auto& [name, k] : probes) {
    torch::Tensor w = params[name];
    const double analytic = w.grad().view({-1})[k].item<double>();
    const double w0 = w.view({-1})[k].item<double>();
    auto set = [&](double v) {
      torch::NoGradGuard guard;  // only for the in-place edit; the forward needs autograd
      w.view({-1})[k] = v;
    };
    set(w0 + h);
    const double lp = loss_of(false).item<double>();
    set(w0 - h);
    const double lm = loss_of(false).item<double>();
    set(w0);
    const double fd = (lp - lm) / (2 * h);
    EXPECT_NEAR(analytic, fd, 1e-5 * std::max(1.0, std::abs(fd))) << name << "[" << k << "]";
    std::printf("dL/d %s[%ld]: autograd %.10g, FD %.10g\n", name.c_str(), long(k), analytic, fd);
  }
}

}  // namespace
}  // namespace lnet
