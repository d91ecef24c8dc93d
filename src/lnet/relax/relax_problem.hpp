// Geometry (and cell) optimisation as a minimisation in generalised coordinates.
//
// Coordinates x = [r̃_1 … r̃_N, c·F]: atoms in the reference frame (r = F r̃) and the
// deformation gradient F of the reference cell (cell rows h = h0 Fᵀ), scaled by c = N (as ASE's
// UnitCellFilter) so that the cell's generalised forces are per-atom sized. The objective is
// the enthalpy H = E + P·V for a target pressure P (exactly integrable); for a non-hydrostatic
// target stress σ_t, H = E + P·V − V0 tr(σ_dev (F − 1)), first-order consistent with the
// generalised force, which is exact: −∂H/∂F = (W + V σ_t) F⁻ᵀ, zero exactly when the stress
// σ = −W/V equals σ_t (W the virial, ASE sign: σ_t = −P·1 for a pressure).
// Cell modes: full (9 degrees of freedom), isotropic (F = s·1), fixed_volume (volume-preserving
// directions only, and F rescaled to det F = 1 after every step).
#pragma once
#include <Eigen/Dense>
#include <vector>

#include "lnet/core/force_field.hpp"

namespace lnet {

enum class CellMode { fixed, full, isotropic, fixed_volume };

struct Measures {
  double energy = 0;    // eV
  double enthalpy = 0;  // eV, the objective
  double fmax = 0;      // eV/Å, max |F_i|
  double smax = 0;      // GPa, max |σ − σ_t| element (projected on the cell mode); 0 for fixed
  double volume = 0;    // Å³
  double pressure = 0;  // GPa, −tr σ / 3 (0 without a cell)
};

class RelaxProblem {
 public:
  // `target_stress` in eV/Å³ (ASE sign); ignored for CellMode::fixed.
  RelaxProblem(ForceField& ff, Structure start, CellMode mode, const Mat3& target_stress);

  Eigen::VectorXd x() const { return x_; }
  // Moves to `x` (for fixed_volume, F is renormalised: x() may differ) and evaluates.
  void set(const Eigen::VectorXd& x);
  double value() const { return m_.enthalpy; }
  // −∂H/∂x (the "forces" of the optimisers), projected on the allowed cell directions.
  const Eigen::VectorXd& force() const { return g_; }
  const Measures& measures() const { return m_; }
  const Structure& structure() const { return current_; }
  long evaluations() const { return evaluations_; }
  // Blocks of 3 in x (atoms, then the cell's rows of F) for step-length limits.
  int n_atoms() const { return int(start_.size()); }

 private:
  void evaluate();

  ForceField& ff_;
  Structure start_, current_;
  CellMode mode_;
  Mat3 target_;
  double cell_factor_;
  Eigen::VectorXd x_, g_;
  Measures m_;
  long evaluations_ = 0;
};

}  // namespace lnet
