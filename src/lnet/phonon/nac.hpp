// Non-analytic correction (NAC) of the dynamical matrix near Γ from Born effective charges Z*
// and the electronic dielectric tensor ε∞ (DESIGN.md §1).
//
// The macroscopic field of a long-wavelength longitudinal optical phonon adds, in the limit
// q → 0 along q̂, the term (Cochran & Cowley 1962; Gonze & Lee PRB 55, 10355 (1997) eq. 60)
//
//   C^NA_{iα,jβ}(q̂) = (4π/Ω) (e²/4πε0) (q̂·Z*_i)_α (q̂·Z*_j)_β / (q̂·ε∞·q̂)   [eV/Å²]
//
// with (q̂·Z*_i)_α = Σ_γ q̂_γ Z*_i(γ, α): Z*'s first index (field / polarization direction, lnet's
// row, ∂M_γ/∂r_α) is contracted with q, as phonopy does (np.dot(q, born)). Ω is the primitive
// cell volume; e²/4πε0 = units::coulomb (phonopy's NAC "factor" for eV/Å units).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "lnet/core/constants.hpp"
#include "lnet/core/structure.hpp"

namespace lnet {

enum class NacMethod { none, gonze, wang };
std::string to_string(NacMethod m);

struct NacParameters {
  NacMethod method = NacMethod::none;
  std::vector<Mat3> born;           // per primitive atom, Z*(α, β) = ∂M_α/∂r_β (e)
  Mat3 epsilon = Mat3::Identity();  // ε∞
  double factor = units::coulomb;   // e²/(4πε0) in eV·Å
  // Gonze–Lee Ewald parameters, phonopy's defaults (DynamicalMatrixGL): the reciprocal sum runs
  // over ~num_g_points vectors G (|G| < G_cut, G_cut = (3 n / 4πΩ)^{1/3}, without 2π) and the
  // Gaussian exp(−K·ε·K / 4Λ²) is `exp_cutoff` at |K| = G_cut. Explicit values override.
  int num_g_points = 300;
  double exp_cutoff = 1e-10;
  std::optional<double> g_cutoff, lambda;  // 1/Å, without 2π (phonopy's units)
};

// Imposes the charge-neutrality sum rule Σ_i Z*_i = 0 by subtracting the mean over atoms (as
// phonopy does); returns the largest element of the subtracted mean (e).
double impose_charge_neutrality(std::vector<Mat3>& born);

// Throws InputError naming `where` unless `born` has one tensor per atom and ε∞ is symmetric
// positive definite with finite entries.
void validate_nac(const NacParameters& nac, std::size_t n_atoms, const std::string& where);

}  // namespace lnet
