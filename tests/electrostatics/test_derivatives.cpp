// Derivatives of the electrostatic energy against central finite differences (float64):
// forces, virial, site potentials and fields, field = -grad potential, dipole forces from field
// gradients, and second derivatives (gradient of a force loss w.r.t. charges and dipoles).
#include <gtest/gtest.h>

#include <functional>

#include "es_test_util.hpp"

namespace lnet::es {
namespace {

using test::f64;

// Step 1e-5 Å (or e, e·Å): truncation error O(h^2 E''') ~ 1e-10 and round-off ~ 1e-16 E / h
// ~ 1e-10 for E ~ 10 eV, so 1e-6 absolute leaves a wide margin while a wrong sign or a missing
// term (>= 1e-3) fails.
constexpr double kStep = 1e-5;
constexpr double kTol = 1e-6;

double central(const std::function<double(double)>& f) {
  return (f(kStep) - f(-kStep)) / (2 * kStep);
}

Settings method(Method m) {
  Settings s;
  s.method = m;
  s.accuracy = 1e-6;
  return s;
}

double energy_of(const Electrostatics& es, const Parameters& p, const Sites& s) {
  return es.energy(s, p).item<double>();
}

// Perturbs element `k` of tensor `t` (a copy) by h.
torch::Tensor bumped(const torch::Tensor& t, int64_t k, double h) {
  torch::Tensor c = t.clone();
  c.view({-1})[k] += h;
  return c;
}

void check_first_derivatives(const Sites& s, Method m) {
  Electrostatics es(method(m));
  const Parameters p = es.resolve(s);  // fixed parameters: FD must not re-tune
  SiteResult r = evaluate(es, s);
  for (int64_t k = 0; k < s.positions.numel(); ++k) {
    double fd = -central([&](double h) {
      Sites t = s;
      t.positions = bumped(s.positions, k, h);
      return energy_of(es, p, t);
    });
    EXPECT_NEAR(r.forces.view({-1})[k].item<double>(), fd, kTol) << "force " << k;
  }
  for (int64_t k = 0; k < s.charges.numel(); ++k) {
    double fd = central([&](double h) {
      Sites t = s;
      t.charges = bumped(s.charges, k, h);
      return energy_of(es, p, t);
    });
    EXPECT_NEAR(r.potential[k].item<double>(), fd, kTol) << "potential " << k;
  }
  for (int64_t k = 0; k < s.dipoles.numel(); ++k) {
    double fd = -central([&](double h) {
      Sites t = s;
      t.dipoles = bumped(s.dipoles, k, h);
      return energy_of(es, p, t);
    });
    EXPECT_NEAR(r.field.view({-1})[k].item<double>(), fd, kTol) << "field " << k;
  }
  if (!s.periodic) return;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      double fd = -central([&](double h) { return energy_of(es, p, test::strained(s, a, b, h)); });
      EXPECT_NEAR(r.virial[a][b].item<double>(), fd, kTol) << "virial " << a << b;
    }
}

TEST(Derivatives, EwaldForcesVirialPotentialField) {
  check_first_derivatives(test::random_box(8, 21, true, true), Method::Ewald);
}
TEST(Derivatives, PmeForcesVirialPotentialField) {
  check_first_derivatives(test::random_box(8, 22, true, true), Method::PME);
}
TEST(Derivatives, DirectForcesPotentialField) {
  Sites s = test::random_box(8, 23, true, true);
  s.periodic = false;
  check_first_derivatives(s, Method::Direct);
}

// A probe site (q = 0, mu = 0) at site 0's place sees the potential and field of all the others
// (its own images carry no charge). Field = -grad potential, and the force on site 0 is
// q0 E + grad(mu0 . E) (its self-image energy does not depend on its position).
void check_field_gradients(Sites s, Method m) {
  Electrostatics es(method(m));
  const SiteResult full = evaluate(es, s);
  const torch::Tensor q0 = s.charges[0].clone(), mu0 = s.dipoles[0].clone();
  Sites probe = s;
  probe.charges = s.charges.clone();
  probe.dipoles = s.dipoles.clone();
  probe.charges[0] = 0.0;
  probe.dipoles[0] = torch::zeros({3}, f64());
  auto at = [&](int beta, double h) {
    Sites t = probe;
    t.positions = bumped(probe.positions, beta, h);
    return evaluate(es, t);
  };
  const SiteResult here = evaluate(es, probe);
  for (int beta = 0; beta < 3; ++beta) {
    SiteResult plus = at(beta, kStep), minus = at(beta, -kStep);
    const double grad_phi = (plus.potential[0] - minus.potential[0]).item<double>() / (2 * kStep);
    EXPECT_NEAR(here.field[0][beta].item<double>(), -grad_phi, kTol)
        << "field = -grad phi, " << beta;
    torch::Tensor grad_field = (plus.field[0] - minus.field[0]) / (2 * kStep);  // dE_alpha/dr_beta
    const double expected = (q0 * here.field[0][beta] + (mu0 * grad_field).sum()).item<double>();
    EXPECT_NEAR(full.forces[0][beta].item<double>(), expected, kTol) << "dipole force " << beta;
  }
}

TEST(Derivatives, FieldIsMinusGradPotentialAndDrivesDipoleForces) {
  check_field_gradients(test::random_box(8, 31, true, true), Method::Ewald);
  Sites open = test::random_box(8, 32, true, false);
  open.periodic = false;
  check_field_gradients(open, Method::Direct);
}

// Second order: L = sum |F|^2 + sum potential^2 differentiated w.r.t. charges and dipoles by
// autograd through evaluate(), against central differences of L.
void check_second_order(const Sites& s, Method m) {
  Electrostatics es(method(m));
  const Parameters p = es.resolve(s);
  Settings fixed = method(m);  // parameters must not be re-tuned as the charges change
  if (m != Method::Direct) {
    fixed.alpha = p.alpha;
    fixed.real_cutoff = p.real_cutoff;
  }
  if (m == Method::Ewald) fixed.kmax = p.kmax;
  if (m == Method::PME) fixed.mesh = p.mesh;
  Electrostatics es_fixed(fixed);
  auto loss = [&](const Sites& t) {
    SiteResult r = evaluate(es_fixed, t);
    return r.forces.pow(2).sum() + r.potential.pow(2).sum();
  };
  Sites g = s;
  g.charges = s.charges.clone().requires_grad_(true);
  g.dipoles = s.dipoles.clone().requires_grad_(true);
  auto grads = torch::autograd::grad({loss(g)}, {g.charges, g.dipoles});
  for (int64_t k = 0; k < s.charges.numel(); ++k) {
    double fd = central([&](double h) {
      Sites t = s;
      t.charges = bumped(s.charges, k, h);
      return loss(t).item<double>();
    });
    EXPECT_NEAR(grads[0][k].item<double>(), fd, 1e-4 * (1 + std::abs(fd))) << "dL/dq " << k;
  }
  for (int64_t k = 0; k < s.dipoles.numel(); ++k) {
    double fd = central([&](double h) {
      Sites t = s;
      t.dipoles = bumped(s.dipoles, k, h);
      return loss(t).item<double>();
    });
    EXPECT_NEAR(grads[1].view({-1})[k].item<double>(), fd, 1e-4 * (1 + std::abs(fd)))
        << "dL/dmu " << k;
  }
}

// L is ~1e3 (eV/Å)^2, so FD round-off is ~1e-16 * 1e3 / 1e-5 = 1e-8 and truncation ~1e-7:
// 1e-4 relative tolerance catches any missing second-order path.
TEST(SecondOrder, ForceLossGradientEwald) {
  check_second_order(test::random_box(6, 41, true, true), Method::Ewald);
}
TEST(SecondOrder, ForceLossGradientPme) {
  check_second_order(test::random_box(6, 42, true, true), Method::PME);
}
TEST(SecondOrder, ForceLossGradientDirect) {
  Sites s = test::random_box(6, 43, true, true);
  s.periodic = false;
  check_second_order(s, Method::Direct);
}

TEST(Precision, Float32AgreesWithFloat64) {
  Sites s = test::random_box(16, 51, true, true);
  Sites f = s;
  for (torch::Tensor* t : {&f.positions, &f.cell, &f.charges, &f.dipoles, &f.sigma})
    *t = t->to(torch::kFloat32);
  for (Method m : {Method::Ewald, Method::PME}) {
    Electrostatics es(method(m));
    const Parameters p = es.resolve(s);
    const double e64 = es.energy(s, p).item<double>();
    const double e32 = es.energy(f, p).item<double>();
    // float32 round-off over a few thousand terms: ~1e-5 relative.
    EXPECT_NEAR(e32, e64, 1e-4 * std::abs(e64)) << method_name(m);
  }
}

}  // namespace
}  // namespace lnet::es
