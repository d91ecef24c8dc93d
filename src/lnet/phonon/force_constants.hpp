// Harmonic force constants on a supercell: central finite displacements of the atoms
// of the primitive cell only (translational symmetry gives the rest), or the exact Hessian of a
// ForceField that provides one; the acoustic sum rule; expansion to the full supercell.
#pragma once
#include <Eigen/Dense>
#include <optional>
#include <vector>

#include "lnet/core/force_field.hpp"
#include "lnet/phonon/supercell.hpp"

namespace lnet {

// Compact force constants Φ(p α, k β) = ∂²E/∂u_pα ∂u_kβ (eV/Å²) between the primitive atoms p
// (their copies p2s[p] in the supercell) and every supercell atom k: block(p, k)(α, β).
struct ForceConstants {
  int n_primitive = 0, n_super = 0;
  std::vector<Mat3> blocks;  // n_primitive × n_super, p-major

  ForceConstants() = default;
  ForceConstants(int np, int ns)
      : n_primitive(np), n_super(ns), blocks(std::size_t(np) * ns, Mat3::Zero()) {}
  Mat3& operator()(int p, int k) { return blocks[std::size_t(p) * n_super + k]; }
  const Mat3& operator()(int p, int k) const { return blocks[std::size_t(p) * n_super + k]; }
  // Largest |Φ| element (eV/Å²).
  double max_abs() const;
};

struct DisplacementOptions {
  double amplitude = 0.01;  // Å, the ±h of the central differences
  bool progress = true;     // progress bar on stderr
};

struct FiniteDisplacementResult {
  ForceConstants fc;
  double max_residual_force = 0;  // eV/Å, max |F| of the undisplaced supercell
  int evaluations = 0;
};

// Central differences: Φ(p α, k β) = −[F_kβ(u_pα = +h) − F_kβ(u_pα = −h)] / 2h, 6·N_prim
// evaluations plus one of the undisplaced supercell (its max force is reported: a structure far
// from equilibrium has meaningless harmonic force constants). Error O(h²·Φ''''), plus the
// force noise / h.
FiniteDisplacementResult finite_displacement_force_constants(
    ForceField& ff, const Supercell& sc, const DisplacementOptions& options = {});

// The primitive-atom rows of a full 3N×3N Hessian of the supercell (eV/Å²).
ForceConstants force_constants_from_hessian(const Eigen::MatrixXd& hessian, const Supercell& sc);

// Full supercell force constants Φ(s, k) = Φ(p(s), T_s⁻¹ k) through the translation map:
// n_super × n_super blocks (row-major), phonopy's full FORCE_CONSTANTS layout.
std::vector<Mat3> expand_to_full(const ForceConstants& fc, const Supercell& sc);

struct SumRuleReport {
  double max_violation_before = 0;  // eV/Å²: max |Σ_k Φ(p, k)| element before the correction
  double max_change = 0;            // eV/Å²: largest change of any Φ element
  int iterations = 0;
};

// Imposes the acoustic sum rule Σ_k Φ(p, k) = 0 together with the pair symmetry
// Φ(s α, k β) = Φ(k β, s α) (so that D(q) is Hermitian with exactly zero acoustic frequencies at
// Γ): alternates symmetrisation over pairs and a correction of the self term Φ(p, p) until both
// hold to 1e-12 relative (at most 50 rounds).
SumRuleReport impose_acoustic_sum_rule(ForceConstants& fc, const Supercell& sc);

}  // namespace lnet
