// Every solver of the registry (infer::coulomb_solvers) against its torch half
// (es::training_solvers): the torch-free solver, as the CPU engine and LAMMPS run it, and the
// autograd reference used for training give the same energy, forces, virial, site potentials
// and fields with the same parameters, for charges and dipoles on Gaussian and point sites, in
// a triclinic cell (periodic solvers) or with open boundaries (the direct sum). The torch-free
// tuning gives the parameters the reference resolves.
#include <gtest/gtest.h>

#include <string>

#include "es_test_util.hpp"
#include "lnet/core/error.hpp"
#include "lnet/infer/coulomb.hpp"
#include "lnet/infer/coulomb_solvers.hpp"
#include "lnet/infer/coulomb_tuning.hpp"

namespace lnet::es {
namespace {

using test::f64;

// The sites as the torch-free solvers see them (float64 copies).
struct Plain {
  std::vector<Vec3> positions, dipoles;
  std::vector<double> charges, sigma;
  Mat3 cell = Mat3::Zero();

  explicit Plain(const Sites& s) {
    const torch::Tensor x = s.positions.to(torch::kFloat64).contiguous();
    const torch::Tensor d = s.dipoles.to(torch::kFloat64).contiguous();
    const torch::Tensor h = s.cell.to(torch::kFloat64).contiguous();
    for (int64_t i = 0; i < x.size(0); ++i) {
      positions.emplace_back(x[i][0].item<double>(), x[i][1].item<double>(),
                             x[i][2].item<double>());
      dipoles.emplace_back(d[i][0].item<double>(), d[i][1].item<double>(), d[i][2].item<double>());
      charges.push_back(s.charges[i].item<double>());
      sigma.push_back(s.sigma[i].item<double>());
    }
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) cell(a, b) = h[a][b].item<double>();
  }
  infer::CoulombSites view() const {
    infer::CoulombSites v;
    v.positions = positions.data();
    v.charges = charges.data();
    v.dipoles = dipoles.data();
    v.sigma = sigma.data();
    v.size = positions.size();
    return v;
  }
};

// `sites` in `dtype` (a detached copy).
Sites in_dtype(const Sites& s, torch::ScalarType dtype) {
  Sites t = s;
  for (torch::Tensor* x : {&t.positions, &t.cell, &t.charges, &t.dipoles, &t.sigma})
    *x = x->to(dtype);
  return t;
}

// Settings that reproduce `p` exactly (no tuning), so that both dtypes use the same parameters.
Settings fixed(const Parameters& p) {
  Settings s;
  s.method = p.method;
  if (infer::coulomb_solver(p.method).periodic) {
    s.alpha = p.alpha;
    s.real_cutoff = p.real_cutoff;
    if (p.kmax[0] > 0) s.kmax = p.kmax;
    if (p.mesh[0] > 0) s.mesh = p.mesh;
    s.pme_order = p.order;
  }
  return s;
}

// |got - want| <= tol * (largest |want| of the quantity): potentials and fields of single sites
// can be small by cancellation, which the rounding of the largest terms does not follow.
void expect_close(const std::vector<double>& got, const torch::Tensor& want, double tol,
                  const std::string& what) {
  const torch::Tensor w = want.to(torch::kFloat64).reshape({-1}).contiguous();
  ASSERT_EQ(static_cast<int64_t>(got.size()), w.numel()) << what;
  const double scale = std::max(w.abs().max().item<double>(), 1e-300);
  for (int64_t k = 0; k < w.numel(); ++k)
    EXPECT_NEAR(got[k], w[k].item<double>(), tol * scale) << what << " entry " << k;
}

std::vector<double> flat(const std::vector<Vec3>& v) {
  std::vector<double> out;
  for (const Vec3& x : v) out.insert(out.end(), {x(0), x(1), x(2)});
  return out;
}

void expect_parity(const infer::ElectrostaticsResult& got, const SiteResult& ref, double tol,
                   const std::string& what) {
  const double e = ref.energy.item<double>();
  EXPECT_NEAR(got.energy, e, tol * std::abs(e)) << what << " energy";
  expect_close(flat(got.forces), ref.forces, tol, what + " forces");
  std::vector<double> w(got.virial.data(), got.virial.data() + 9);  // symmetric: order moot
  expect_close(w, ref.virial, tol, what + " virial");
  expect_close(got.potential, ref.potential, tol, what + " potentials");
  expect_close(flat(got.field), ref.field, tol, what + " fields");
}

TEST(SolverRegistry, EverySolverHasATorchEnergyAndAName) {
  ASSERT_FALSE(infer::coulomb_solvers().empty());
  int open = 0;
  for (const infer::CoulombSolver& s : infer::coulomb_solvers()) {
    EXPECT_EQ(training_solver(s.method).method, s.method) << s.name;
    EXPECT_EQ(parse_method(s.name), s.method);
    EXPECT_EQ(method_name(s.method), s.name);
    if (s.periodic) {
      EXPECT_TRUE(s.fixes_grid && s.initial_split && s.tune_grid && s.grid_cost &&
                  s.describe_grid && s.make_kspace)
          << s.name;
    } else {
      ++open;
    }
  }
  EXPECT_EQ(open, 1);  // open boundaries take exactly one solver
  EXPECT_EQ(infer::coulomb_solvers().size(), training_solvers().size());
  EXPECT_THROW(infer::coulomb_solver(Method::Auto), Error);
  EXPECT_THROW(training_solver(Method::Auto), Error);
}

TEST(SolverRegistry, TorchFreeSolversEqualTheTorchReference) {
  for (const infer::CoulombSolver& solver : infer::coulomb_solvers()) {
    const std::string name = solver.name;
    Sites s = test::random_box(10, 7, true, true);
    s.periodic = solver.periodic;  // the direct sum: the same sites with open boundaries
    Settings settings;
    settings.method = solver.method;
    settings.accuracy = 1e-6;
    const Parameters p = Electrostatics(settings).resolve(s);
    ASSERT_EQ(p.method, solver.method) << name;

    // The torch-free tuning (CPU engine, LAMMPS, command line) resolves the same parameters;
    // its sums of q^2 and |mu|^2 run in site order, torch's in its own: equal to rounding.
    const Plain plain(s);
    const Parameters q = infer::resolve_parameters(settings, plain.view(), plain.cell, s.periodic);
    EXPECT_EQ(q.method, p.method) << name;
    EXPECT_NEAR(q.alpha, p.alpha, 1e-13 * p.alpha) << name;
    EXPECT_NEAR(q.real_cutoff, p.real_cutoff, 1e-13 * p.real_cutoff) << name;
    EXPECT_EQ(q.kmax, p.kmax) << name;
    EXPECT_EQ(q.mesh, p.mesh) << name;

    Parameters exact = p;
    exact.exact_real_space = true;  // the tables agree to 1e-12 of each pair term, not the sum
    infer::Coulomb coulomb(exact);
    const infer::ElectrostaticsResult got = coulomb.evaluate(plain.view(), plain.cell);
    const Electrostatics reference(fixed(p));
    // float64: the same function summed in another order; the largest sums (k-vectors, mesh
    // points, image pairs) have ~1e3 terms of rounding 1e-16 each: 1e-12 of the largest entry.
    expect_parity(got, evaluate(reference, s), 1e-12, name + " float64");
    // float32 reference (training in float32) against the float64 solver: rounding 6e-8 per
    // term over the same sums, with cancellation between real space, k-space and self term of
    // up to ~10x: 1e-4 of the largest entry.
    expect_parity(got, evaluate(reference, in_dtype(s, torch::kFloat32)), 1e-4, name + " float32");
  }
}

}  // namespace
}  // namespace lnet::es
