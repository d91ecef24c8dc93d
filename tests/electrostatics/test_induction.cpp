// Induced dipoles of polarizable Gaussian sites (electrostatics/induction.hpp) in float64:
// against a dense solve of the linear system built here from the closed-form Gaussian dipole
// tensor, an isolated site, periodic vs open in a large box, forces / virial / Raman tensors /
// alpha_cell against finite differences of converged solutions, implicit differentiation, and
// the polarization catastrophe that Gaussian smearing prevents.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <iostream>

#include "es_test_util.hpp"
#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"
#include "lnet/electrostatics/induction.hpp"

namespace lnet::es {
namespace {

using test::f64;

constexpr double kPi = 3.14159265358979323846;

InductionSettings tight() {
  InductionSettings s;
  s.tolerance = 1e-12;
  return s;
}

// 1e-8 so that comparisons between methods test the induction and not the truncation; PME at
// 1e-6 (as the other PME tests) because its mesh at 1e-8 makes every solve seconds long.
Settings accurate(Method m) {
  Settings s;
  s.method = m;
  s.accuracy = m == Method::PME ? 1e-6 : 1e-8;
  return s;
}

// Three polarizable Gaussian sites with charges and permanent dipoles (open boundaries).
Sites three_sites() {
  Sites s;
  s.periodic = false;
  s.positions = torch::tensor({0.0, 0.0, 0.0, 2.1, 0.3, -0.2, 0.4, 1.9, 0.8}, f64()).view({3, 3});
  s.charges = torch::tensor({0.6, -0.9, 0.3}, f64());
  s.dipoles =
      torch::tensor({0.1, -0.05, 0.2, 0.0, 0.15, -0.1, -0.2, 0.05, 0.0}, f64()).view({3, 3});
  s.sigma = torch::tensor({0.8, 1.0, 0.9}, f64());
  return s;
}

// A random neutral triclinic box with all widths > 0 and polarizabilities well below the
// stability bound (alpha_max(0.8 Å) = 0.38 e·Å²/V).
Sites periodic_box(int n, uint64_t seed) {
  Sites s = test::random_box(n, seed, true, false);
  s.sigma = 0.8 + 0.2 * torch::rand({n}, f64());
  return s;
}
torch::Tensor some_alpha(int n, uint64_t seed) {
  torch::manual_seed(seed);
  return 0.05 + 0.1 * torch::rand({n}, f64());
}

// Dense A and b of the open-boundary problem from the closed-form kernel erf(beta r)/r:
// B1 = erf/r³ - 2 beta e^{-beta² r²}/(sqrt(pi) r²), B2 = (3 B1 - 4 beta³ e^{-beta²
// r²}/sqrt(pi))/r², pair energy k [B1 (q_j mu_i·r - q_i mu_j·r) + B1 mu_i·mu_j - B2
// (mu_i·r)(mu_j·r)], r = r_j - r_i.
std::pair<torch::Tensor, torch::Tensor> dense_system(const Sites& s, const torch::Tensor& alpha,
                                                     const torch::Tensor& field) {
  const int64_t n = s.positions.size(0);
  auto a = torch::zeros({3 * n, 3 * n}, f64());
  auto b = torch::zeros({3 * n}, f64());
  const double k = units::coulomb;
  for (int64_t i = 0; i < n; ++i) {
    torch::Tensor inv =
        alpha.dim() == 1 ? torch::eye(3, f64()) / alpha[i] : torch::inverse(alpha[i]);
    a.slice(0, 3 * i, 3 * i + 3).slice(1, 3 * i, 3 * i + 3).copy_(inv);
    b.slice(0, 3 * i, 3 * i + 3).add_(field);
    for (int64_t j = 0; j < n; ++j) {
      if (i == j) continue;
      torch::Tensor r = s.positions[j] - s.positions[i];
      const double d = r.norm().item<double>();
      const double si = s.sigma[i].item<double>(), sj = s.sigma[j].item<double>();
      const double beta = 1.0 / std::sqrt(2.0 * (si * si + sj * sj));
      const double g = std::exp(-beta * beta * d * d) / std::sqrt(kPi);
      const double b1 = std::erf(beta * d) / (d * d * d) - 2 * beta * g / (d * d);
      const double b2 = (3 * b1 - 4 * beta * beta * beta * g) / (d * d);
      torch::Tensor t = k * (b1 * torch::eye(3, f64()) - b2 * torch::outer(r, r));
      a.slice(0, 3 * i, 3 * i + 3).slice(1, 3 * j, 3 * j + 3).copy_(t);
      b.slice(0, 3 * i, 3 * i + 3).sub_(k * b1 * s.charges[j] * r);
      if (s.dipoles.defined()) b.slice(0, 3 * i, 3 * i + 3).sub_(t.matmul(s.dipoles[j]));
    }
  }
  return {a, b};
}

torch::Tensor solve(const Electrostatics& es, const Sites& s, const torch::Tensor& alpha,
                    const torch::Tensor& field, InductionStats* stats = nullptr) {
  const Parameters p = es.resolve(s);
  InductionOperator op(p, s, alpha, tight());
  return solve_induced_dipoles(op, es, p, s, field, {}, stats);
}

// The operator's T x comes from the torch-free solver (infer::Coulomb); it must be the field
// -dE_es/dmu of the autograd reference with the same parameters, for every method.
TEST(Induction, DipoleFieldIsTheReferenceField) {
  for (Method m : {Method::Ewald, Method::PME, Method::Direct}) {
    Sites s = periodic_box(7, 51);
    s.periodic = m != Method::Direct;
    s.charges = torch::Tensor();
    s.dipoles = 0.3 * torch::randn({7, 3}, f64());
    Electrostatics es(accurate(m));
    const Parameters p = es.resolve(s);
    InductionOperator op(p, s, some_alpha(7, 52), tight());
    Sites g = s;
    g.dipoles = s.dipoles.clone().requires_grad_(true);
    torch::Tensor ref = -torch::autograd::grad({es.energy(g, p)}, {g.dipoles})[0];
    const double scale = ref.abs().max().item<double>();
    EXPECT_GT(scale, 1e-2);
    EXPECT_LT((op.dipole_field(s.dipoles) - ref).abs().max().item<double>(), 1e-12 * scale)
        << method_name(m);
  }
}

TEST(Induction, ThreeSitesMatchDenseSolve) {
  Sites s = three_sites();
  Electrostatics es(accurate(Method::Direct));
  const torch::Tensor field = torch::tensor({0.05, -0.1, 0.2}, f64());
  // Isotropic, then anisotropic (SPD tensors with off-diagonal parts).
  torch::Tensor m =
      torch::tensor({0.02, 0.01, -0.015, 0.005, 0.01, 0.0, 0.0, -0.01, 0.02}, f64()).view({3, 3});
  const torch::Tensor iso = torch::tensor({0.12, 0.2, 0.08}, f64());
  const torch::Tensor aniso = torch::diag_embed(iso.view({3, 1}).expand({3, 3})) +
                              torch::stack({m.matmul(m.t()), m.t().matmul(m), 2 * m.matmul(m.t())});
  for (const torch::Tensor& alpha : {iso, aniso}) {
    InductionStats st;
    torch::Tensor mu = solve(es, s, alpha, field, &st);
    auto [a, b] = dense_system(s, alpha, field);
    torch::Tensor ref = torch::linalg_solve(a, b).view({3, 3});
    // CG to relative residual 1e-12 in the alpha-norm; |mu| ~ 0.3 e·Å, so 1e-10 absolute.
    EXPECT_LT((mu - ref).abs().max().item<double>(), 1e-10) << mu << ref;
    EXPECT_LE(st.iterations, 9);  // CG is exact in at most 3N = 9 steps
    std::cout << "[ three sites ] CG iterations " << st.iterations << ", residual " << st.residual
              << "\n";
    // mu_i = alpha_i F_i with F_i the total field (permanent + induced + external).
    Sites total = s;
    total.dipoles = s.dipoles + mu;
    torch::Tensor f = permanent_field(es, es.resolve(total), total) + field;
    EXPECT_LT((apply_polarizability(alpha, f) - mu).abs().max().item<double>(), 1e-10);
  }
}

TEST(Induction, IsolatedSiteGivesAlphaTimesField) {
  Sites s;
  s.periodic = false;
  s.positions = torch::tensor({{0.3, -0.2, 1.0}}, f64());
  s.sigma = torch::tensor({0.7}, f64());
  const torch::Tensor field = torch::tensor({0.1, -0.2, 0.05}, f64());
  Electrostatics es(accurate(Method::Direct));
  torch::Tensor alpha = torch::tensor({0.25}, f64());
  EXPECT_LT((solve(es, s, alpha, field)[0] - 0.25 * field).abs().max().item<double>(), 1e-14);
  torch::Tensor tensor =
      torch::tensor({0.3, 0.05, 0.0, 0.05, 0.2, 0.02, 0.0, 0.02, 0.1}, f64()).view({1, 3, 3});
  EXPECT_LT((solve(es, s, tensor, field)[0] - tensor[0].matmul(field)).abs().max().item<double>(),
            1e-14);
}

// A neutral three-site cluster in a cubic box of edge L (tin-foil Ewald): its images add the
// Lorentz field (4 pi/3) k M / L³ of a cubic dipole lattice, M ~ 2 e·Å the cluster's dipole.
// The difference to the open solution must fall as L^-3.
TEST(Induction, PeriodicMatchesOpenInLargeBox) {
  Sites open = three_sites();
  open.charges = open.charges - open.charges.mean();
  const torch::Tensor alpha = torch::tensor({0.12, 0.2, 0.08}, f64());
  const torch::Tensor field = torch::tensor({0.05, -0.1, 0.2}, f64());
  torch::Tensor ref = solve(Electrostatics(accurate(Method::Direct)), open, alpha, field);
  double err[2];
  const double edges[2] = {30.0, 60.0};
  for (int k = 0; k < 2; ++k) {
    Sites s = open;
    s.periodic = true;
    s.cell = torch::eye(3, f64()) * edges[k];
    err[k] = (solve(Electrostatics(accurate(Method::Ewald)), s, alpha, field) - ref)
                 .abs()
                 .max()
                 .item<double>();
  }
  std::cout << "[ periodic vs open ] max |dmu| L=30: " << err[0] << ", L=60: " << err[1] << "\n";
  // At L = 60 Å the image field is ~ 4.2 k M/L³ ~ 6e-4 V/Å -> |dmu| ~ alpha · that < 1e-3
  // (|mu| ~ 0.3 e·Å); the L^-3 law is the sharper check.
  EXPECT_LT(err[1], 1e-3);
  EXPECT_NEAR(err[0] / err[1], 8.0, 1.5);  // L^-3
}

// Converged U*(R) = U(mu*(R)) - E·(sum q r + sum mu0): forces and virial at fixed mu* against
// central differences with a fresh solve at every displaced geometry.
double converged_energy(const Electrostatics& es, const Parameters& p, const Sites& s,
                        const torch::Tensor& alpha, const torch::Tensor& field) {
  InductionOperator op(p, s, alpha, tight());
  torch::Tensor mu = solve_induced_dipoles(op, es, p, s, field);
  torch::Tensor u = induction_energy(es, p, s, alpha, field, mu);
  u = u - (field * (s.charges.unsqueeze(1) * s.positions + s.dipoles).sum(0)).sum();
  return u.item<double>();
}

// Step 1e-5 Å: truncation O(h² U''') ~ 1e-9, round-off 1e-16·10 eV / h ~ 1e-10, solver error in
// the energy O(tol²); 1e-6 absolute fails for any missing term (>= 1e-3).
constexpr double kStep = 1e-5;
constexpr double kTol = 1e-6;

double central(const std::function<double(double)>& f) {
  return (f(kStep) - f(-kStep)) / (2 * kStep);
}

void check_forces_virial(Method m) {
  Sites s = periodic_box(6, 41);
  const torch::Tensor alpha = some_alpha(6, 42);
  const torch::Tensor field = torch::tensor({0.1, 0.05, -0.08}, f64());
  Electrostatics es(accurate(m));
  const Parameters p = es.resolve(s);
  InductionOperator op(p, s, alpha, tight());
  InductionStats st;
  torch::Tensor mu = solve_induced_dipoles(op, es, p, s, field, {}, &st);
  std::cout << "[ " << method_name(m) << " ] CG iterations " << st.iterations << " to "
            << st.residual << "\n";

  Sites g = s;
  torch::Tensor pos = s.positions.clone().requires_grad_(true);
  torch::Tensor strain = torch::zeros({3, 3}, f64()).requires_grad_(true);
  torch::Tensor sym = 0.5 * (strain + strain.t());
  g.positions = pos + pos.matmul(sym);
  g.cell = s.cell + s.cell.matmul(sym);
  torch::Tensor u = induction_energy(es, p, g, alpha, field, mu) -
                    (field * (g.charges.unsqueeze(1) * pos + g.dipoles).sum(0)).sum();
  auto grads = torch::autograd::grad({u}, {pos, strain}, {}, true);  // g reused below
  for (int64_t k = 0; k < s.positions.numel(); ++k) {
    double fd = central([&](double h) {
      Sites t = s;
      t.positions = s.positions.clone();
      t.positions.view({-1})[k] += h;
      return converged_energy(es, p, t, alpha, field);
    });
    EXPECT_NEAR(-grads[0].view({-1})[k].item<double>(), -fd, kTol) << "force " << k;
  }
  // Virial at zero field (the -E·sum q r term is not a function of the periodic cell).
  const torch::Tensor zero = torch::zeros({3}, f64());
  torch::Tensor mu0 = solve_induced_dipoles(op, es, p, s, zero);
  torch::Tensor u0 = induction_energy(es, p, g, alpha, zero, mu0);
  torch::Tensor w = -torch::autograd::grad({u0}, {strain})[0];
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      double fd = -central([&](double h) {
        return converged_energy(es, p, test::strained(s, a, b, h), alpha, zero);
      });
      EXPECT_NEAR(w[a][b].item<double>(), fd, kTol) << "virial " << a << b;
    }
}

TEST(Induction, EwaldForcesAndVirialOfConvergedEnergy) { check_forces_virial(Method::Ewald); }
TEST(Induction, PmeForcesAndVirialOfConvergedEnergy) { check_forces_virial(Method::PME); }

TEST(Induction, EwaldAndPmeAgree) {
  Sites s = periodic_box(8, 43);
  const torch::Tensor alpha = some_alpha(8, 44);
  const torch::Tensor field = torch::tensor({0.1, 0.05, -0.08}, f64());
  torch::Tensor a = solve(Electrostatics(accurate(Method::Ewald)), s, alpha, field);
  torch::Tensor b = solve(Electrostatics(accurate(Method::PME)), s, alpha, field);
  // Relative force accuracy 1e-8 (Ewald) and 1e-6 (PME): fields err by ~1e-6 of ~1 V/Å, so
  // the dipoles (alpha ~ 0.1) by ~1e-7 e·Å; a missing image or self term errs by > 1e-3.
  const double diff = (a - b).abs().max().item<double>();
  std::cout << "[ ewald vs pme ] max |dmu| " << diff << "\n";
  EXPECT_LT(diff, 1e-5);
}

// alpha_cell = dM/dE at fixed nuclei: from the response solves, from the variational form, and
// as central differences of M(E) = sum mu*(E) (exactly linear in E, so the difference quotient
// errs only by the solver: 1e-12 · 0.1 e·Å / 1e-3 V/Å ~ 1e-10).
TEST(Induction, CellPolarizabilityIsFiniteFieldDerivative) {
  for (bool periodic : {true, false}) {
    Sites s = periodic_box(6, 45);
    s.periodic = periodic;
    const torch::Tensor alpha = some_alpha(6, 46);
    Electrostatics es(accurate(periodic ? Method::Ewald : Method::Direct));
    const Parameters p = es.resolve(s);
    InductionOperator op(p, s, alpha, tight());
    InductionStats st;
    torch::Tensor lam = field_response(op, &st);
    torch::Tensor from_response = lam.sum(1).t();  // [a, b] = sum_i Lambda_b[i, a]
    torch::Tensor variational = cell_polarizability(es, p, s, alpha, lam);
    const double h = 1e-3;
    for (int b = 0; b < 3; ++b) {
      torch::Tensor e = torch::zeros({3}, f64());
      e[b] = h;
      torch::Tensor dm =
          (solve_induced_dipoles(op, es, p, s, e) - solve_induced_dipoles(op, es, p, s, -e))
              .sum(0) /
          (2 * h);
      for (int a = 0; a < 3; ++a) {
        EXPECT_NEAR(from_response[a][b].item<double>(), dm[a].item<double>(), 1e-8);
        EXPECT_NEAR(variational[a][b].item<double>(), dm[a].item<double>(), 1e-8);
      }
    }
    // Sum of site alphas screened by the interactions, and a symmetric tensor.
    EXPECT_LT((variational - variational.t()).abs().max().item<double>(), 1e-10);
    std::cout << "[ alpha_cell ] periodic=" << periodic << " 3 solves, " << st.iterations
              << " CG iterations; trace " << variational.trace().item<double>()
              << " vs sum alpha_i " << 3 * alpha.sum().item<double>() << "\n";
  }
}

// Raman tensors d alpha_cell / d r_k by autograd of the variational form at fixed Lambda,
// against central differences of alpha_cell with fresh response solves.
TEST(Induction, RamanTensorsMatchFiniteDifferences) {
  Sites s = periodic_box(4, 47);
  const torch::Tensor alpha = some_alpha(4, 48);
  Electrostatics es(accurate(Method::Ewald));
  const Parameters p = es.resolve(s);
  auto alpha_cell = [&](const Sites& t) {
    InductionOperator op(p, t, alpha, tight());
    return cell_polarizability(es, p, t, alpha, field_response(op));
  };
  Sites g = s;
  g.positions = s.positions.clone().requires_grad_(true);
  torch::Tensor ac = alpha_cell(g);
  const double h = 1e-4;  // alpha_cell ~ 0.5: truncation h² ~ 1e-8, round-off ~1e-12
  for (int a = 0; a < 3; ++a)
    for (int b = a; b < 3; ++b) {
      torch::Tensor grad = torch::autograd::grad({ac[a][b]}, {g.positions}, {}, true)[0];
      for (int64_t k = 0; k < s.positions.numel(); k += 2) {
        Sites plus = s, minus = s;
        plus.positions = s.positions.clone();
        minus.positions = s.positions.clone();
        plus.positions.view({-1})[k] += h;
        minus.positions.view({-1})[k] -= h;
        double fd = (alpha_cell(plus)[a][b] - alpha_cell(minus)[a][b]).item<double>() / (2 * h);
        EXPECT_NEAR(grad.view({-1})[k].item<double>(), fd, 1e-7) << a << b << " k=" << k;
      }
    }
}

// Implicit differentiation: L = w·mu~ with mu~ = attach_solution(...); dL/d(alpha, q, r) from
// one backward (one CG solve in the hook) against central differences of w·mu*(theta).
TEST(Induction, ImplicitDifferentiationGivesExactFirstDerivatives) {
  Sites s = periodic_box(5, 49);
  const torch::Tensor alpha = some_alpha(5, 50);
  const torch::Tensor field = torch::tensor({0.1, -0.05, 0.08}, f64());
  Electrostatics es(accurate(Method::Ewald));
  const Parameters p = es.resolve(s);
  torch::manual_seed(51);
  const torch::Tensor w = torch::randn({5, 3}, f64());
  auto objective = [&](const Sites& t, const torch::Tensor& a) {
    InductionOperator op(p, t, a, tight());
    return (w * solve_induced_dipoles(op, es, p, t, field)).sum().item<double>();
  };
  Sites g = s;
  g.positions = s.positions.clone().requires_grad_(true);
  g.charges = s.charges.clone().requires_grad_(true);
  torch::Tensor a = alpha.clone().requires_grad_(true);
  auto op = std::make_shared<const InductionOperator>(p, g, a, tight());
  torch::Tensor mu = solve_induced_dipoles(*op, es, p, g, field);
  torch::Tensor handle = mu.clone().requires_grad_(true);
  torch::Tensor gradient = torch::autograd::grad({induction_energy(es, p, g, a, field, handle)},
                                                 {handle}, {}, true, true)[0];
  torch::Tensor attached = attach_solution(mu, gradient, op);
  EXPECT_LT((attached - mu).abs().max().item<double>(), 1e-15);
  auto grads = torch::autograd::grad({(w * attached).sum()}, {g.positions, g.charges, a});
  const double h = 1e-5;  // w·mu ~ 1: truncation ~1e-10, solver 1e-12/h ~ 1e-7 (loose: 1e-6)
  for (int64_t k = 0; k < 5; ++k) {
    torch::Tensor ap = alpha.clone(), am = alpha.clone();
    ap[k] += h;
    am[k] -= h;
    EXPECT_NEAR(grads[2][k].item<double>(), (objective(s, ap) - objective(s, am)) / (2 * h), 1e-6)
        << "d/dalpha " << k;
    Sites qp = s, qm = s;
    qp.charges = s.charges.clone();
    qm.charges = s.charges.clone();
    qp.charges[k] += h;
    qm.charges[k] -= h;
    EXPECT_NEAR(grads[1][k].item<double>(), (objective(qp, alpha) - objective(qm, alpha)) / (2 * h),
                1e-6)
        << "d/dq " << k;
    Sites rp = s, rm = s;
    rp.positions = s.positions.clone();
    rm.positions = s.positions.clone();
    rp.positions.view({-1})[3 * k + 1] += h;
    rm.positions.view({-1})[3 * k + 1] -= h;
    EXPECT_NEAR(grads[0][k][1].item<double>(),
                (objective(rp, alpha) - objective(rm, alpha)) / (2 * h), 1e-6)
        << "d/dr " << k;
  }
}

TEST(Induction, WarmStartSavesIterations) {
  Sites s = periodic_box(8, 53);
  const torch::Tensor alpha = some_alpha(8, 54);
  Electrostatics es(accurate(Method::Ewald));
  const Parameters p = es.resolve(s);
  InductionSettings set;
  set.tolerance = 1e-8;
  InductionOperator op(p, s, alpha, set);
  InductionStats cold, warm;
  torch::Tensor mu = solve_induced_dipoles(op, es, p, s, {}, {}, &cold);
  Sites moved = s;
  moved.positions = s.positions + 1e-3 * torch::randn({8, 3}, f64());  // an MD step's motion
  InductionOperator op2(p, moved, alpha, set);
  torch::Tensor again = solve_induced_dipoles(op2, es, p, moved, {}, mu, &warm);
  InductionStats cold2;
  torch::Tensor ref = solve_induced_dipoles(op2, es, p, moved, {}, {}, &cold2);
  std::cout << "[ warm start ] cold " << cold2.iterations << " vs warm " << warm.iterations
            << " iterations (tolerance 1e-8)\n";
  EXPECT_LT(warm.iterations, cold2.iterations);
  EXPECT_LT((again - ref).abs().max().item<double>(), 1e-7);
}

// Two sites 0.05 Å apart: with Gaussian widths the kernels stay bounded and A stays positive
// definite up to alpha_max(sigma); as point dipoles (sigma undefined) the same polarizabilities
// make alpha^-1 - 2k/r³ < 0 along the axis: the catastrophe, which the solver reports.
TEST(Induction, GaussianSmearingPreventsPolarizationCatastrophe) {
  Sites s;
  s.periodic = false;
  s.positions = torch::tensor({0.0, 0.0, 0.0, 0.05, 0.0, 0.0}, f64()).view({2, 3});
  s.charges = torch::tensor({0.5, -0.5}, f64());
  s.sigma = torch::tensor({0.7, 0.7}, f64());
  const double amax = max_stable_polarizability(0.7);
  EXPECT_NEAR(amax, 6 * std::sqrt(kPi) * 0.343 / units::coulomb, 1e-15);
  const torch::Tensor alpha = torch::full({2}, 0.95 * amax, f64());
  const torch::Tensor field = torch::tensor({0.3, 0.0, 0.0}, f64());
  Electrostatics es(accurate(Method::Direct));
  InductionStats st;
  torch::Tensor mu = solve(es, s, alpha, field, &st);
  auto [a, b] = dense_system(s, alpha, field);
  EXPECT_GT(torch::linalg_eigvalsh(a).min().item<double>(), 0.0);
  EXPECT_LT((mu.view({-1}) - torch::linalg_solve(a, b)).abs().max().item<double>(), 1e-9);
  // Coincident equal Gaussians couple by k B1(0) = 1/alpha_max (the same kernel as the self
  // term), so the bound is tight for r -> 0 and A stays positive definite below it.
  Sites point = s;
  point.sigma = torch::Tensor();
  EXPECT_THROW(solve(es, point, alpha, field), Error);
}

}  // namespace
}  // namespace lnet::es
