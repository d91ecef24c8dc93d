// Stochastic cell rescaling (SCR) barostat: Bernetti & Bussi, J. Chem. Phys. 153, 114107
// (2020) (isotropic); Del Tatto, Raiteri, Bernetti & Bussi, Appl. Sci. 12, 1139 (2022)
// (anisotropic / triclinic). A first-order (overdamped) stochastic equation for the strain,
// integrated with Euler–Maruyama in the Itô sense:
//   isotropic, ε = ln V:  dε = −(β_T/τ)(P₀ − P_int) dt + √(2 k_B T β_T dt / (V τ)) ξ
//   anisotropic, strain e_αβ (upper triangular, so cell rows stay lower triangular, i.e. no
//   rotation):  de_αβ = −(β_T/3τ)(P₀ δ_αβ − P_int,αβ) dt + √(2 k_B T β_T dt / (3 V τ)) ξ_αβ
// with P_int = (Σ m v⊗v + W)/V (W the virial). Positions scale r → μ r, velocities
// v → μ⁻ᵀ v, cell rows a → μ a. This samples the isothermal–isobaric ensemble
// P(V) ∝ V^N exp(−β(U + P₀V)) (ideal gas: ⟨V⟩ = (N + 1) k_B T / P₀, or (N_f/3 + 1) k_B T / P₀
// with N_f momentum degrees of freedom). Why there is no k_B T / V term: in (ε, scaled
// positions, scaled momenta) the target density is ∝ V exp(−β(H + P₀V)) (the position and
// momentum Jacobians cancel, dV = V dε remains), so ∂_ε(βF) = βV(P₀ − P_int) − 1; the Itô
// drift that leaves it stationary, a = −D ∂_ε(βF) + ∂_ε D with D = k_B T β_T / (V τ) and
// ∂_ε D = −D, is exactly −(β_T/τ)(P₀ − P_int). The ideal-gas test checks this to ~1 %. The
// anisotropic rate β_T/(3τ) per component makes the volume relax as in the isotropic case.
#pragma once
#include <vector>

#include "lnet/core/structure.hpp"
#include "lnet/md/random.hpp"

namespace lnet::md {

struct ScrSettings {
  double pressure = 0;         // P₀ in eV/Å³
  double compressibility = 0;  // β_T in Å³/eV
  double tau_fs = 1000;
  bool anisotropic = false;
};

struct ScrStep {
  Mat3 mu = Mat3::Identity();  // the deformation applied, r → μ r
  double kinetic_and_pv = 0;   // ΔK + P₀ ΔV of the step (eV), exact
};

// One SCR step of length `dt` (fs). `virial` is W at the current configuration (eV), masses in
// amu, velocities in Å/fs. lnet::Error if anisotropic and the cell rows are not lower
// triangular (a along x, b in the xy plane).
ScrStep stochastic_cell_rescaling(std::vector<Vec3>& positions, std::vector<Vec3>& velocities,
                                  Mat3& cell, const std::vector<double>& masses, const Mat3& virial,
                                  const ScrSettings& settings, double kT, double dt, Rng& rng);

// Σ m v⊗v in eV (twice the kinetic-energy tensor).
Mat3 kinetic_tensor(const std::vector<Vec3>& velocities, const std::vector<double>& masses);

// Whether the cell rows are lower triangular (a = (a_x, 0, 0), b = (b_x, b_y, 0)).
bool is_lower_triangular(const Mat3& cell);

}  // namespace lnet::md
