// Static dielectric response from the cell's Born dipole M (e·Å) in molecular dynamics, with
// tin-foil (conducting) boundary conditions, as lnet's Ewald/PME use (DESIGN.md §1).
//
// Fluctuations at zero field (Neumann, Mol. Phys. 50, 841 (1983), with eps' -> inf;
// the nuclear part only, the electrons entering through eps_inf):
//
//     eps_0 = eps_inf + (<M·M> - <M>·<M>) / (3 eps_vac V k_B T)                       (1)
//
// and the tensor eps_ab = eps_inf d_ab + (<M_a M_b> - <M_a><M_b>) / (eps_vac V k_B T).
// Response to a static applied field E (in tin foil the macroscopic field), from runs at
// several fields:
//
//     eps_ab = eps_inf d_ab + (d<M_a>/dE_b) / (eps_vac V)                              (2)
//
// Units: M in e·Å, E in V/Å, V in Å^3, T in K, eps_vac = 1/(4 pi · 14.3996...) e²/(eV·Å)
// (units::eps0). Under NPT V is the mean volume (the error of using <M²>/<V> for <M²/V> is
// second order in the volume fluctuations).
#pragma once

#include <cstddef>
#include <vector>

#include "lnet/core/structure.hpp"

namespace lnet::analysis {

struct FluctuationDielectric {
  double epsilon = 0.0;  // (1)
  // Standard error of (1): the Flyvbjerg–Petersen error of the mean of |M_i - <M>|², which
  // the variance is, scaled like (1). The error of <M> itself enters only at O(1/N).
  double error = 0.0;
  bool converged = false;      // the blocking reached its plateau (see BlockingResult)
  std::size_t block_size = 1;  // samples per block at the chosen blocking level
  Mat3 tensor = Mat3::Zero();  // eps_ab (no error bars)
  Vec3 mean_dipole = Vec3::Zero();
  double variance = 0.0;  // <M·M> - <M>·<M> in (e·Å)^2
  std::size_t samples = 0;
};

// (1) from zero-field runs pooled (one common mean; blocks may straddle two runs, a
// negligible effect for long runs). lnet::Error on non-positive or non-finite V or T, eps_inf
// below 1 or not finite, non-finite dipoles, under 2 samples, or a result that is not finite.
FluctuationDielectric dielectric_from_fluctuations(const std::vector<std::vector<Vec3>>& runs,
                                                   double epsilon_inf, double volume_A3,
                                                   double temperature_K);

struct FieldRun {
  Vec3 efield = Vec3::Zero();  // V/Å, constant over the run
  std::vector<Vec3> dipole;    // M(t), e·Å, equilibrated samples only
};

// The fit for fields along one Cartesian axis b (runs at zero field included).
struct FieldResponse {
  int axis = 0;                                      // b: 0, 1, 2 for x, y, z
  std::vector<double> fields;                        // E_b of the runs used (V/Å)
  std::vector<Vec3> mean_dipole, mean_dipole_error;  // <M> of each run and its blocking error
  Vec3 slope = Vec3::Zero();                         // d<M_a>/dE_b (e·Å²/V), a = x, y, z
  Vec3 slope_error = Vec3::Zero();                   // see dielectric_from_fields
  Vec3 epsilon = Vec3::Zero();                       // eps_ab of (2): column b of the tensor
  Vec3 epsilon_error = Vec3::Zero();
  Vec3 chi2_per_dof = Vec3::Zero();  // NaN with 2 runs (no degree of freedom)
};

struct FieldDielectric {
  std::vector<FieldResponse> axes;  // one per axis with runs at >= 2 distinct field values
  std::size_t unused_runs = 0;      // runs whose field is along no Cartesian axis
};

// (2) by a least-squares line <M_a> = c + s E_b through the runs with fields along axis b,
// weighted by 1/err² (err the Flyvbjerg–Petersen error of each run's <M_a>). The slope error
// is the weighted-fit one, sqrt(1 / sum w (E - <E>_w)^2); it is not scaled by chi²/dof,
// whose own scatter with a handful of runs is as large as itself (with 2 degrees of freedom
// its standard deviation equals its mean): chi²/dof is reported instead, and a value well
// above 1 means the runs scatter about the line more than their error bars allow (a
// nonlinear response, or runs too short for their correlation time). If any run has a zero
// error bar the fit is unweighted and the error comes from the residuals (NaN with two runs).
// lnet::Error on non-positive V, eps_inf below 1 or not finite, non-finite dipoles or fields, or
// a response that is not finite.
FieldDielectric dielectric_from_fields(const std::vector<FieldRun>& runs, double epsilon_inf,
                                       double volume_A3);

}  // namespace lnet::analysis
