// Gonze–Lee dipole–dipole force constants in reciprocal space (Gonze & Lee, PRB 55, 10355
// (1997), eqs. 71–75; phonopy's DynamicalMatrixGL without the real-space terms).
//
// For a q-point (Cartesian, in 1/Å WITHOUT the 2π, as phonopy) the Ewald reciprocal sum
//
//   C_{iα,jβ}(q) = f Σ_{G, K=q+G≠0} (Z_iᵀ K̃ Z_j)_{αβ} exp(2πi G·(τ_i − τ_j))
//                  − δ_ij f Σ_k Σ_{G≠0} (Z_iᵀ K̃⁰ Z_k)_{αβ} exp(2πi G·(τ_i − τ_k))   (Hermitised)
//   K̃ = K Kᵀ / (K·ε·K) · exp(−K·ε·K / 4Λ²),   f = 4π/Ω · e²/(4πε0)
//
// (the second line restores the acoustic sum rule at q = 0). The K = 0 term is the
// non-analytic one: it is dropped at q = 0 unless a direction q̂ is given, then it is
// q̂q̂ᵀ/(q̂·ε·q̂) without the Gaussian. Phases use τ_i − τ_j only (the dynamical matrix's
// phase convention exp(2πi q·(R + τ_j − τ_i)), phonopy's "C-type" comment in dynmat.c). The
// real-space Ewald part omitted here is short ranged and stays in the short-range force
// constants; with the same Λ and G list as phonopy, lnet and phonopy agree to round-off.
#pragma once
#include <Eigen/Dense>
#include <optional>
#include <vector>

#include "lnet/phonon/nac.hpp"

namespace lnet {

class DipoleDipole {
 public:
  DipoleDipole(const Structure& primitive, const NacParameters& nac);

  // 3N × 3N complex (eV/Å², not mass-weighted), atom-major (row 3i + α).
  Eigen::MatrixXcd operator()(const Vec3& q_cart,
                              const std::optional<Vec3>& q_direction_cart) const;

  double lambda() const { return lambda_; }
  double g_cutoff() const { return g_cutoff_; }
  std::size_t n_g() const { return g_list_.size(); }

 private:
  // Σ_G K̃(q+G) ⊗ Z Z phases, without the q = 0 subtraction or the factor.
  Eigen::MatrixXcd sum(const Vec3& q_cart, const std::optional<Vec3>& q_direction_cart) const;

  std::vector<Vec3> positions_;
  std::vector<Mat3> born_;
  Mat3 epsilon_;
  double factor_ = 0, lambda_ = 0, g_cutoff_ = 0;
  std::vector<Vec3> g_list_;
  std::vector<Mat3> dd_q0_;  // per atom, the q = 0 subtraction (already Hermitised, real part)
  std::vector<Mat3> dd_q0_imag_;
};

}  // namespace lnet
