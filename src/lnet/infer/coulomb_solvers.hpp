// The registry of Coulomb solvers: one entry per method, naming everything the method adds to
// the shared machinery (Ewald split, real-space sum, self term, background, tuning of the split
// and the real-space cutoff). Adding a solver is one entry here (and one in the torch table,
// es::training_solvers(), for its differentiable energy) plus its kernels; method names, the
// method choice under Auto, tuning, cost estimates, the log line and the torch-free evaluation
// all go through the table.
#pragma once
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lnet/core/structure.hpp"
#include "lnet/infer/coulomb_kspace.hpp"
#include "lnet/infer/coulomb_parameters.hpp"

namespace lnet::infer {

struct TuningInput;  // coulomb_tuning.hpp

struct CoulombSolver {
  CoulombMethod method;
  const char* name;  // in configs, on the command line, in the log
  // true: the Ewald split (real space + this solver's k-space + self term + background) for
  // periodic cells; false: the open-boundary direct sum (no split, nothing to tune).
  bool periodic;
  // Periodic solvers only (null otherwise):
  // whether the settings fix this solver's grid (kmax, mesh): under Auto that names the method;
  bool (*fixes_grid)(const CoulombSettings& s);
  // the split to start the real-space tuning from when neither alpha nor the cutoff is given
  // (sets p.alpha or p.real_cutoff; `cap` is the largest cutoff within the pair budget);
  void (*initial_split)(const TuningInput& in, double volume, double cap, CoulombParameters& p);
  // the k-space grid for the real-space split in `p` and the accuracy `acc` (that of the real
  // space): sets p's grid and returns nothing, or returns why it would exceed the work limits;
  std::optional<std::string> (*tune_grid)(const CoulombSettings& s, const TuningInput& in,
                                          double acc, CoulombParameters& p);
  // estimated cost of the k-space part, in units of one real-space pair term (estimated_cost);
  double (*grid_cost)(const CoulombParameters& p, const TuningInput& in);
  // the grid part of CoulombParameters::describe (" kmax=..." or " mesh=... order=...");
  void (*describe_grid)(const CoulombParameters& p, std::ostream& os);
  // the torch-free k-space part (coulomb_kspace.hpp) for `cell`.
  std::unique_ptr<KSpace> (*make_kspace)(const CoulombParameters& p, const Mat3& cell);
};

// All solvers, in the order Auto tries them (the first of equal cost wins).
const std::vector<CoulombSolver>& coulomb_solvers();
// The entry of `m`; lnet::Error for Auto (parameters not resolved).
const CoulombSolver& coulomb_solver(CoulombMethod m);
// The solver of open boundaries (the one entry with periodic = false).
const CoulombSolver& open_boundary_solver();

}  // namespace lnet::infer
