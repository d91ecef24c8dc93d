// Splitting parameter, real-space cutoff, k-space cutoff and PME mesh from a requested relative
// RMS force accuracy, following LAMMPS: Kolafa & Perram (Mol. Sim. 9, 351 (1992)) for the real
// space and Ewald k-space errors, Deserno & Holm (J. Chem. Phys. 109, 7694 (1998)) for the mesh
// (LAMMPS pppm's estimate_ik_error). "Relative" is relative to the force between two unit
// charges 1 Å apart, so the Coulomb constant cancels and all estimates use sum q^2 in e^2.
// Torch-free, so that the CPU engine, LAMMPS's domain mode and the command line tune without
// torch; es::Electrostatics::resolve calls it too. The method-specific parts (k-space grid,
// its cost) are entries of the solver registry (coulomb_solvers.hpp).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "lnet/core/structure.hpp"
#include "lnet/infer/coulomb_parameters.hpp"
#include "lnet/infer/coulomb_sites.hpp"

namespace lnet::infer {

// Detached summary of a structure, all the tuning needs.
struct TuningInput {
  int64_t natoms = 0;
  bool periodic = true;
  Mat3 cell = Mat3::Zero();  // rows are lattice vectors
  double sum_q2 = 0;         // sum q_i^2 (e^2)
  double sum_mu2 = 0;        // sum |mu_i|^2 (e^2 Å^2)
  double max_sigma = 0;      // Å
};

// Work limits, so that no input (runaway dipoles, very wide Gaussians, an unreachable accuracy)
// can make the tuning ask for unbounded memory. At water density (0.1 atoms/Å^3) the pair limit
// is a 36 Å cutoff, three to four times the usual; the other two are ~1 GB of float64 each.
inline constexpr double kMaxPairsPerAtom = 10000;          // real-space half pair list
inline constexpr double kMaxStructureFactorTerms = 5e7;    // Ewald: atoms x k-vectors
inline constexpr double kMaxMeshPoints = double(1 << 26);  // PME: 406^3

// Total: InputError naming what to change when an input is not finite, when the accuracy cannot
// be reached within the limits above, or for a method that does not fit the boundaries. Under
// CoulombMethod::Auto, every periodic solver of the registry is tuned and the one of lower
// estimated_cost is used (a method beyond the limits is out); CoulombSettings::method_setting
// and accuracy_setting name what the user changes in the messages.
CoulombParameters tune_parameters(const CoulombSettings& settings, const TuningInput& input);

// The summary of `sites` (charges, dipoles, widths; `cell` rows are lattice vectors, unused
// when !periodic).
TuningInput summarize(const CoulombSites& sites, const Mat3& cell, bool periodic);

// The checks of sites before tuning and solving, as InputError or Error: a singular periodic
// cell, negative widths, non-finite positions, cell, charges, dipoles or widths (naming the
// first site, 1-based), and two sites closer than kCoincidentSites (naming both).
void check_sites(const CoulombSites& sites, const Mat3& cell, bool periodic);

// check_sites, summarize and tune_parameters, logged at info level when the discrete choice
// (method, k-vectors, mesh) changes, so that learned charges nudging alpha or the cutoff every
// MD step do not flood the log. The result depends on sum q^2 and sum |mu|^2: in MD with
// learned charges resolve once and reuse the parameters (re-tuning every step changes alpha
// and the cutoff and makes the energy jump at the level of the accuracy).
CoulombParameters resolve_parameters(const CoulombSettings& settings, const CoulombSites& sites,
                                     const Mat3& cell, bool periodic);
// The same for a summary made by the caller (es::Electrostatics sums on its tensors), sites
// checked by the caller.
CoulombParameters resolve_parameters(const CoulombSettings& settings, const TuningInput& input);

// Estimated CPU cost of one energy + forces evaluation with resolved Ewald or PME parameters, in
// units of one real-space pair term: pairs within the cutoff, atom x k-vector terms (Ewald),
// atom x spline-stencil points and the mesh FFTs (PME), each weighted by its measured cost
// relative to a pair. Memory follows the same dominant terms (an [N, K] phase table for Ewald,
// the mesh for PME), so the cheaper method is also the smaller one where it matters.
double estimated_cost(const CoulombParameters& p, const TuningInput& input);

// Error estimates (absolute, in units of e^2/Å^2 like the force between unit charges at 1 Å),
// exposed for tests and the log. q2 is the effective sum of squared charges.
double real_space_error(double q2, int64_t n, double cutoff, double volume, double alpha);
double ewald_kspace_error(double q2, int64_t n, double volume, double alpha, double k_cut);
double pme_mesh_error(double q2, int64_t n, double spacing, double length, double alpha, int order);
// Energy change of a pair of mean squared charge q2_per_site when it crosses the real-space
// cutoff, q2 erfc(alpha rc) / rc (e^2/Å, relative to two unit charges 1 Å apart): the shift of
// the charge-charge kernel (es::detail::sum_pairs, coulomb_real.hpp) that every pair within the
// cutoff carries. The force estimates above average over a uniform gas and let it grow in dilute
// cells (0.07 eV for a dimer in a 1000 Å cell at 1e-5); the tuning keeps it within the accuracy
// too.
double real_space_shift_error(double q2_per_site, double cutoff, double alpha);

// The solver-specific parts of the tuning, named by the registry entries (coulomb_solvers.cpp).
namespace coulomb_detail {
bool ewald_fixes_grid(const CoulombSettings& s);
bool pme_fixes_grid(const CoulombSettings& s);
void ewald_initial_split(const TuningInput& in, double volume, double cap, CoulombParameters& p);
void pme_initial_split(const TuningInput& in, double volume, double cap, CoulombParameters& p);
std::optional<std::string> ewald_tune_grid(const CoulombSettings& s, const TuningInput& in,
                                           double acc, CoulombParameters& p);
std::optional<std::string> pme_tune_grid(const CoulombSettings& s, const TuningInput& in,
                                         double acc, CoulombParameters& p);
double ewald_grid_cost(const CoulombParameters& p, const TuningInput& in);
double pme_grid_cost(const CoulombParameters& p, const TuningInput& in);
}  // namespace coulomb_detail

}  // namespace lnet::infer
