// The `lnet phonon` driver over any ForceField. Writes into config.output_dir:
//   gamma.txt / gamma.csv   Γ modes: THz, cm⁻¹, IR activity, LO/TO label, character, and the
//                           Raman activity for polarizable models
//   band.csv                dispersion: distance, q (fractional), frequencies (THz)
//   dos.csv                 DOS (states/THz per primitive cell)
//   band.png, dos.png       plots (gnuplot; skipped with a warning when missing)
//   phonon.yaml             summary: supercell, checks, Z*, ε∞, ε0, Γ modes
//   phonopy/                POSCAR-unitcell, FORCE_CONSTANTS, BORN, phonopy.conf
#pragma once
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "lnet/core/force_field.hpp"
#include "lnet/phonon/band_path.hpp"
#include "lnet/phonon/dos.hpp"
#include "lnet/phonon/gamma_modes.hpp"
#include "lnet/phonon/phonon_config.hpp"

namespace lnet {

struct PhononRunOptions {
  bool force = false;              // replace existing outputs
  bool progress = true;            // progress bar for the displacements
  std::ostream* report = nullptr;  // the Γ table and a summary; nullptr for none
};

struct PhononResult {
  Supercell supercell;
  ForceConstants force_constants;  // after the sum rule, full (not short-range)
  double max_residual_force = 0;   // eV/Å of the undisplaced supercell
  SumRuleReport sum_rule;
  std::optional<double> hessian_deviation;  // max |Φ_fd − Φ_exact| / max |Φ_exact|
  NacParameters nac;                        // as used (Z* after symmetrisation and ASR)
  bool epsilon_from_model = false;          // ε∞ from a polarizable model, not the config
  double born_asr_correction = 0;           // e
  double born_symmetry_correction = 0;      // e
  std::optional<Mat3> epsilon_static;       // ε0 from the polar modes (with NAC)
  std::vector<Mat3> raman;  // Γ Raman tensors of a polarizable model (Evaluation::raman), or empty
  GammaAnalysis gamma;
  BandPath path;
  std::vector<Eigen::VectorXd> band;  // frequencies per path point
  std::optional<PhononDos> dos;
  std::vector<double> masses;
  std::vector<std::string> files;  // written
};

// The frame config.frame of config.structure (InputError if out of range or not 3D periodic, or
// naming the file, frame and atoms for a non-finite position or atoms closer than min_distance).
Structure load_phonon_structure(const PhononConfig& config);

// Runs everything; InputError for configuration problems (named key), lnet::Error otherwise.
PhononResult run_phonon(const PhononConfig& config, ForceField& force_field,
                        const Structure& primitive, const PhononRunOptions& options = {});

// The force-field-independent part, from force constants (tests and the exact-Hessian path):
// Γ analysis, band path, DOS for `config` (nothing written).
void analyse_phonons(const PhononConfig& config, const Structure& primitive, PhononResult& result);

// Every file write_phonon_outputs may write for `config` (checked by run_phonon's OutputGuard
// before any work).
std::vector<std::string> phonon_output_files(const PhononConfig& config);

// Writes the outputs listed above for `result` (after OutputGuard checks in run_phonon).
std::vector<std::string> write_phonon_outputs(const PhononConfig& config,
                                              const Structure& primitive,
                                              const PhononResult& result);

// The x tick labels of the band plot: the path's corners with G shown as Γ; a path break ('|')
// puts two labels at one position, shown as "L|U".
std::vector<std::pair<double, std::string>> band_ticks(const BandPath& path);

// Fixed-width Γ table (as gamma.txt).
std::string gamma_table(const GammaAnalysis& gamma);

}  // namespace lnet
