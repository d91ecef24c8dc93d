// Γ-point mode analysis: frequencies, infrared activity, LO/TO identification and the
// static dielectric tensor from the polar modes.
//
// Mode polarity (Gonze & Lee 1997 eq. 54): p_m,α = Σ_iβ Z*_i(α, β) e_m(iβ) / sqrt(m_i)
// (e/sqrt(amu)); IR activity |p_m|². With the NAC along q̂, a polar mode is LO when p_m is
// along q̂ ((p·q̂)²/|p|² > 1/2) and TO otherwise. ε0 = ε∞ + (4π e²/4πε0 / Ω) Σ_m p_m p_mᵀ / ω_m²
// over the analytic (no-NAC) optical modes (Gonze & Lee eq. 55), so the Lyddane–Sachs–Teller
// relation can be checked against independently computed LO and TO frequencies.
//
// Raman (polarizable models): the mode's Raman tensor R_m = Σ_iβ ∂α/∂r_iβ e_m(iβ) / sqrt(m_i)
// from the Γ Raman tensors of the primitive atoms, with α in volume units (Å³ = k_e · e·Å²/V),
// so R_m is in Å²/sqrt(amu); activity 45 a² + 7 γ² (Å⁴/amu; a = tr R/3, γ² the anisotropy
// invariant), the usual non-resonant activity. Only the displacement part: LO modes lack the
// electro-optic term. In a degenerate set, only the sum of the activities is basis-free.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "lnet/phonon/dynamical_matrix.hpp"

namespace lnet {

struct GammaMode {
  double thz = 0, per_cm = 0;
  double ir_activity = 0;        // |p|², e²/amu
  Vec3 polarity = Vec3::Zero();  // p (e/sqrt(amu))
  double longitudinal = 0;       // (p·q̂)²/|p|² (0 without a direction or for a non-polar mode)
  std::string label;             // "acoustic", "LO", "TO", "IR" (polar, no direction), "-" (silent)
  std::string character;         // kinetic weight per element, "Na 0.62 Cl 0.38"
  std::optional<Mat3> raman_tensor;      // Å²/sqrt(amu), when Raman tensors were given
  std::optional<double> raman_activity;  // Å⁴/amu
};

struct GammaAnalysis {
  std::optional<Vec3> direction;       // q̂, fractional reciprocal coordinates as given
  std::optional<Vec3> direction_cart;  // unit Cartesian
  std::vector<GammaMode> modes;        // ascending frequency
};

// Modes at Γ, with the NAC along `q_direction` when the dynamical matrix has NAC and a
// direction is given (the LO modes then split off). Polar: |p|² above 1e-6 of the largest.
// `raman`: Γ Raman tensors of the primitive atoms in Evaluation::raman's layout (e·Å/V), or
// empty for none.
GammaAnalysis analyse_gamma(const DynamicalMatrix& dm, const std::optional<Vec3>& q_direction,
                            const std::vector<Mat3>& raman = {});

// Non-resonant Raman activity 45 a² + 7 γ² of a symmetric (or symmetrised) Raman tensor.
double raman_activity(const Mat3& r);

// ε0 from the analytic Γ modes (needs the Born charges and ε∞ of dm.nac()).
Mat3 static_dielectric(const DynamicalMatrix& dm);

}  // namespace lnet
