// Splitting parameter, real-space cutoff, k-space cutoff and PME mesh from a requested relative
// RMS force accuracy, following LAMMPS: Kolafa & Perram (Mol. Sim. 9, 351 (1992)) for the real
// space and Ewald k-space errors, Deserno & Holm (J. Chem. Phys. 109, 7694 (1998)) for the mesh
// (LAMMPS pppm's estimate_ik_error). "Relative" is relative to the force between two unit
// charges 1 Å apart, so the Coulomb constant cancels and all estimates use sum q^2 in e^2.
#pragma once
#include <cstdint>

#include "lnet/core/structure.hpp"
#include "lnet/electrostatics/electrostatics.hpp"

namespace lnet::es {

// Detached summary of a structure, all the tuning needs.
struct TuningInput {
  int64_t natoms = 0;
  bool periodic = true;
  Mat3 cell = Mat3::Zero();  // rows are lattice vectors
  double sum_q2 = 0;         // sum q_i^2 (e^2)
  double sum_mu2 = 0;        // sum |mu_i|^2 (e^2 Å^2)
  double max_sigma = 0;      // Å
};

// Structures up to this many atoms use Ewald under Method::Auto, larger ones PME.
// bench/bench_electrostatics.cpp measured PME at 1/3 of Ewald's CPU time already at N = 250
// (water-like density, 1e-5); Ewald is kept for small cells, where it needs no mesh of at least
// `order` points per axis and has no interpolation error.
inline constexpr int64_t kAutoEwaldMaxAtoms = 200;

// Work limits, so that no input (runaway dipoles, very wide Gaussians, an unreachable accuracy)
// can make the tuning ask for unbounded memory. At water density (0.1 atoms/Å^3) the pair limit
// is a 36 Å cutoff, three to four times the usual; the other two are ~1 GB of float64 each.
inline constexpr double kMaxPairsPerAtom = 10000;          // real-space half pair list
inline constexpr double kMaxStructureFactorTerms = 5e7;    // Ewald: atoms x k-vectors
inline constexpr double kMaxMeshPoints = double(1 << 26);  // PME: 406^3

// Total: InputError naming what to change when an input is not finite, when the accuracy cannot
// be reached within the limits above, or for a method that does not fit the boundaries. Under
// Method::Auto, Ewald falls back to PME when it would need too many k-vectors.
Parameters tune_parameters(const Settings& settings, const TuningInput& input);

// Error estimates (absolute, in units of e^2/Å^2 like the force between unit charges at 1 Å),
// exposed for tests and the log. q2 is the effective sum of squared charges.
double real_space_error(double q2, int64_t n, double cutoff, double volume, double alpha);
double ewald_kspace_error(double q2, int64_t n, double volume, double alpha, double k_cut);
double pme_mesh_error(double q2, int64_t n, double spacing, double length, double alpha, int order);

}  // namespace lnet::es
