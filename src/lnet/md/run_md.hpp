// The `lnet md` driver: runs the dynamics of md_config.hpp over any ForceField (DESIGN.md §4:
// md sits on the calculator seam, never on torch) and writes into config.output.dir:
//   thermo.csv, thermo.jsonl   every output.thermo_every steps (also a table on options.report)
//   trajectory.xyz             every output.trajectory_every steps: extxyz with wrapped
//                              positions, image:I:3, velocities:R:3 (Å/fs), forces, energy,
//                              dipole, efield (+ charges, dipoles, bec on request)
//   dipole.dat                 every step when the force field has a Born dipole (the
//                              format of io/dipole_series.hpp, read by `lnet ir`)
//   checkpoint.json            every output.checkpoint_every steps and at the end
//   final.xyz                  the last state, unwrapped, with velocities (a restart frame)
//   last_good.xyz              only when the run fails: the last state that was still sound
// A resumed run (options.resume) continues from checkpoint.json and cuts the files back to the
// sizes it recorded, so it writes byte-identical files to a run that was never interrupted.
#pragma once
#include <ostream>
#include <string>

#include "lnet/core/force_field.hpp"
#include "lnet/md/md_config.hpp"

namespace lnet {

struct MdRunOptions {
  bool resume = false;             // continue from <output.dir>/checkpoint.json
  bool progress = true;            // progress bar with ETA, ns/day and atom-steps/s on stderr
  std::ostream* report = nullptr;  // the thermo table; nullptr for none
  // Testing aid: stop once this step is reached, ending as a complete run would (final
  // checkpoint, files flushed), so that a resumed run can be compared with an uninterrupted
  // one. Negative: run to config.steps.
  long stop_after_steps = -1;
  // The model's training domain, checked as config.extrapolation says; nullptr or empty: none.
  const ApplicabilityDomain* domain = nullptr;
};

struct MdRunSummary {
  long first_step = 0, last_step = 0;  // steps this call started from and reached
  double wall_seconds = 0;
  double force_field_seconds = 0;              // of wall_seconds, inside ForceField::evaluate
  double conserved_drift = 0;                  // change of the conserved energy over this call (eV)
  double mean_temperature_K = 0;               // over the steps of this call
  long domain_checks = 0, domain_outside = 0;  // extrapolation checks and those outside
  // Committees: uncertainty checks, those over uncertainty.force_std, the largest spread (eV/Å).
  long uncertainty_checks = 0, uncertainty_over = 0;
  double max_force_spread = 0;
  std::string output_dir;
};

// Runs config.steps steps from `start` (or from the checkpoint with options.resume). Throws
// InputError for a configuration that does not fit the structure or existing output files
// (without overwrite or resume), and lnet::Error naming the step when the dynamics fails
// (non-finite energy or forces, atoms closer than config.min_distance, a force-field error,
// leaving the training domain with extrapolation.stop, a committee spread over the limit with
// uncertainty.stop), after writing last_good.xyz.
MdRunSummary run_md(const MdConfig& config, ForceField& force_field, const Structure& start,
                    const MdRunOptions& options = {});

}  // namespace lnet
