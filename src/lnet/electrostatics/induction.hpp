// Induced dipoles of polarizable Gaussian sites (DESIGN.md §1, polarizable model; docs in the
// comments below). Sites carry permanent charges q, permanent dipoles mu0, widths sigma and
// polarizabilities alpha_i (e·Å²/V, isotropic [N] or symmetric positive definite [N,3,3]); a
// uniform external field E (V/Å) is applied. The induced dipoles minimise
//
//   U(mu) = E_es[q, mu0 + mu] + sum_i 1/2 mu_i·alpha_i^-1·mu_i - E·sum_i mu_i,
//
// i.e. solve A mu = b with A = alpha^-1 + T (T = d²E_es/dmu², the Gaussian dipole field
// operator, periodic images through the same Ewald/PME/direct machinery as Electrostatics) and
// b = F0 + E (F0 the field of the permanent charges and dipoles): mu_i = alpha_i F_i, F_i the
// total field at i. The caller adds the permanent -E·M_perm.
//
// No polarization catastrophe: the Gaussian pair kernels are bounded at r -> 0 (B1(0) =
// 4 beta³/(3 sqrt pi), B2(0) = 8 beta⁵/(5 sqrt pi), beta = 1/sqrt(2(s_i²+s_j²))), and the
// Coulomb energy of Gaussian densities including their self energies is >= 0 (open or tin-foil
// periodic), so T >= -S with S_i = k_e/(6 sqrt(pi) sigma_i³) (the self-interaction of a Gaussian
// dipole that E_es leaves out). Hence A is positive definite for EVERY geometry whenever
// alpha_i < max_stable_polarizability(sigma_i) = 6 sqrt(pi) sigma_i³ / k_e (largest eigenvalue
// for tensors). Point sites (sigma = 0) have no such bound; the solver throws if it meets a
// direction of non-positive curvature.
#pragma once
#include <memory>

#include "lnet/electrostatics/electrostatics.hpp"
#include "lnet/infer/coulomb.hpp"

namespace lnet::es {

struct InductionSettings {
  // Relative residual in the alpha-norm, sqrt(r·alpha·r / b·alpha·b), r = b - A mu (the field
  // not yet matched, weighted as the dipole it would induce). Energies err at O(tol²), forces
  // and dipoles at O(tol).
  double tolerance = 1e-8;
  int max_iterations = 1000;
};

struct InductionStats {
  int iterations = 0;
  double residual = 0;  // relative residual reached
};

// alpha_max(sigma) = 6 sqrt(pi) sigma³ / k_e (e·Å²/V): below it A is positive definite.
double max_stable_polarizability(double sigma);

// alpha * v for alpha [N] or [N,3,3] and v [N,3] (differentiable).
torch::Tensor apply_polarizability(const torch::Tensor& alpha, const torch::Tensor& v);
// Sum_i 1/2 mu_i·alpha_i^-1·mu_i (differentiable in alpha and mu).
torch::Tensor polarization_self_energy(const torch::Tensor& alpha, const torch::Tensor& mu);

// The operator A = alpha^-1 + T of one structure, from detached inputs, with a Jacobi (3×3
// block) preconditioned conjugate-gradient solver, in float64 whatever the inputs' dtype (results
// come back in the dtype of the right-hand side). T x is the analytic field of the torch-free
// solver (infer::Coulomb, equal to -dE_es/dmu of Electrostatics::energy with the same parameters
// to rounding) over a pair list built once. Logically immutable; shared by the autograd hooks.
class InductionOperator {
 public:
  // `p` resolved (Electrostatics::resolve); open sites take the direct sum whatever p.method.
  InductionOperator(const Parameters& p, const Sites& sites, const torch::Tensor& alpha,
                    InductionSettings settings = {});
  ~InductionOperator();
  InductionOperator(const InductionOperator&) = delete;
  InductionOperator& operator=(const InductionOperator&) = delete;
  torch::Tensor apply(const torch::Tensor& x) const;          // A x, [N,3] -> [N,3]
  torch::Tensor dipole_field(const torch::Tensor& x) const;   // -T x: field of dipoles x
  torch::Tensor precondition(const torch::Tensor& r) const {  // alpha r = (alpha^-1)^-1 r
    return apply_polarizability(alpha_, r);
  }
  // Solves A x = b from `guess` (undefined: zero). Throws lnet::Error on a non-positive
  // curvature (catastrophe) or when max_iterations is reached above 10 × tolerance.
  torch::Tensor solve(const torch::Tensor& b, const torch::Tensor& guess = {},
                      InductionStats* stats = nullptr) const;
  const InductionSettings& settings() const { return settings_; }
  int64_t size() const { return static_cast<int64_t>(positions_.size()); }

 private:
  torch::Tensor alpha_;  // float64
  InductionSettings settings_;
  std::vector<Vec3> positions_;
  std::vector<double> sigma_;  // empty: point sites
  Mat3 cell_ = Mat3::Zero();
  NeighborList pairs_;  // periodic: full list within the real-space cutoff
  // Builds its k-space tables on the first product. Not for concurrent use: the autograd
  // hooks that share the operator run in the thread that calls backward.
  std::unique_ptr<infer::Coulomb> coulomb_;
};

// Field of the permanent charges and dipoles at the sites, F0 = -dE_es/dmu (detached, V/Å).
torch::Tensor permanent_field(const Electrostatics& es, const Parameters& p, const Sites& sites);

// mu_ind (detached [N,3]) solving A mu = F0 + E; `field` [3] V/Å or undefined (zero).
torch::Tensor solve_induced_dipoles(const InductionOperator& op, const Electrostatics& es,
                                    const Parameters& p, const Sites& sites,
                                    const torch::Tensor& field, const torch::Tensor& guess = {},
                                    InductionStats* stats = nullptr);

// U(mu_ind) above (eV, 0-dim), differentiable in everything; sites.dipoles are the permanent
// ones (or undefined). At the solution dU/dmu_ind = 0, so derivatives of U at fixed mu_ind are
// total derivatives (forces, virial, parameter gradients of the energy).
torch::Tensor induction_energy(const Electrostatics& es, const Parameters& p, const Sites& sites,
                               const torch::Tensor& alpha, const torch::Tensor& field,
                               const torch::Tensor& mu_ind);

// Response dipoles Lambda [3,N,3] (float64): Lambda_b = A^-1 (unit field along b on every
// site), i.e. d mu_ind / d E_b; alpha_cell[a][b] = sum_i Lambda_b[i][a].
torch::Tensor field_response(const InductionOperator& op, InductionStats* stats = nullptr);

// alpha_cell [3,3] (e·Å²/V) = dM/dE at fixed nuclei, from the variational form
//   alpha~(Lambda) = 1ᵀLambda + Lambdaᵀ1 - Lambdaᵀ A(theta) Lambda,
// stationary in Lambda at Lambda = A^-1 1 with the value 1ᵀA^-1 1. Lambda enters detached, so
// first derivatives of the result w.r.t. positions (Raman tensors), cell, alpha, sigma are
// exact without differentiating the solver.
torch::Tensor cell_polarizability(const Electrostatics& es, const Parameters& p, const Sites& sites,
                                  const torch::Tensor& alpha, const torch::Tensor& response);

// Implicit differentiation by one linearised (Newton) step: returns a tensor equal to mu_star
// whose first derivatives are those of the exact solution, d mu/d theta = -A^-1 dg/d theta,
// where `gradient` = dU/dmu at mu_star carries the graph to theta (positions, charges, alpha,
// field, ...). The A^-1 is applied in the backward pass by a CG solve (a tensor hook), so the
// forward costs nothing and no iteration is unrolled. Second derivatives of the returned tensor
// are not exact; quantities built from stationary functionals (U, alpha~) only need the first.
torch::Tensor attach_solution(const torch::Tensor& mu_star, const torch::Tensor& gradient,
                              std::shared_ptr<const InductionOperator> op);

// The response dipoles Lambda [3,N,3] attached the same way: each Lambda_b minimises
// 1/2 x·A·x - 1_b·x, whose gradient A x - 1_b carries the graph to theta.
torch::Tensor attach_response(const Electrostatics& es, const Parameters& p, const Sites& sites,
                              const torch::Tensor& alpha, const torch::Tensor& response,
                              std::shared_ptr<const InductionOperator> op);

}  // namespace lnet::es
