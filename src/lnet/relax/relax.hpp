// `lnet relax`: positions and optionally the cell to a target pressure or stress, with FIRE or
// L-BFGS over any ForceField. Config (YAML, strict; units eV, Å, GPa):
//
//   model: model.lnet        # relative to the YAML file (the CLI loads it)
//   structure: start.xyz     # extxyz, relative to the YAML file
//   frame: -1
//   optimizer: fire          # fire | lbfgs
//   fire2: false             # FIRE 2.0 uphill correction
//   lbfgs_memory: 20
//   fmax: 0.01               # eV/Å: converged when every |F_i| is below
//   smax: 0.01               # GPa: and every |σ − σ_target| element (cell relaxations)
//   max_steps: 500
//   max_step: 0.2            # Å, largest move of an atom (or cell row) per step
//   min_distance: 0.5        # Å: atoms closer than this (start or any step) are an error;
//                            # 0 switches the check off
//   cell:
//     relax: false
//     pressure: 0.0          # GPa (σ_target = −P·1), or instead:
//     stress: [xx, yy, zz, yz, xz, xy]   # GPa, ASE sign (tensile > 0): 1, 3, 6 (Voigt) or 9
//     mode: full             # full | isotropic (fixed shape) | fixed_volume
//   output: {dir: relax, log_every: 1}
//
// Writes output.dir/relaxed.xyz (energy, forces, stress labels) and relax.log (one line per
// step: energy, enthalpy, fmax, smax, volume, pressure). Without convergence it writes
// last.xyz and throws lnet::Error naming max_steps and the last fmax / smax. A collapsed
// structure is never reported as converged: atoms closer than min_distance stop the run
// (InputError naming the structure file and frame at the start, lnet::Error naming the step
// later), and a final structure the caller's check refuses (RelaxRunOptions::final_check, e.g.
// outside the model's training domain) is written to last.xyz with an error.
#pragma once
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "lnet/core/force_field.hpp"
#include "lnet/relax/optimizers.hpp"

namespace lnet {

struct RelaxConfig {
  std::string source, model, structure;
  int frame = -1;
  double min_distance = 0.5;  // Å; 0: no check
  OptimizerSettings optimizer;
  bool relax_cell = false;
  CellMode cell_mode = CellMode::full;
  Mat3 target_stress_gpa = Mat3::Zero();  // ASE sign
  std::string output_dir = "relax";
  int log_every = 1;
};

RelaxConfig load_relax_config(const std::string& path);
RelaxConfig parse_relax_config(const std::string& yaml_text, const std::string& name);
// The frame, checked: 3D periodic for a cell relaxation, finite positions, no atoms closer than
// min_distance (InputError naming the config, the file and the frame).
Structure load_relax_structure(const RelaxConfig& config);
// "relax.yaml: structure 'start.xyz' (frame -1)", where errors about the start structure point.
std::string start_structure_where(const RelaxConfig& config);

struct RelaxStep {
  int step = 0;
  Measures measures;
};

struct RelaxResult {
  Structure structure;  // final, with energy/forces/stress labels
  std::vector<RelaxStep> history;
  bool converged = false;
  int steps = 0;
  long evaluations = 0;
};

// The minimisation alone (no files, no throw on non-convergence).
RelaxResult relax(ForceField& ff, const Structure& start, const RelaxConfig& config,
                  const StepCallback& on_step = {});

struct RelaxRunOptions {
  bool force = false;              // replace existing outputs
  std::ostream* report = nullptr;  // the step log
  // Why the converged structure is not a result (e.g. a contact shorter than any the model was
  // trained on), or "" to accept it; unset: accept.
  std::function<std::string(const Structure&)> final_check;
};

// relax() plus the files; throws lnet::Error when not converged (after writing last.xyz).
RelaxResult run_relax(const RelaxConfig& config, ForceField& ff, const Structure& start,
                      const RelaxRunOptions& options = {});

}  // namespace lnet
