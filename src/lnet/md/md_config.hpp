// Settings of one `lnet md` run, read from YAML (CONVENTIONS.md "Configs": strict, unknown keys
// are errors, every range checked with a message naming the key). Units: fs, K, GPa, V/Å, Å.
//
//   model: model.lnet            # path relative to the YAML file (the CLI loads it), or a list
//                                # of two or more models: a committee, whose mean force field
//                                # is integrated and whose spread is the uncertainty below
//   structure: start.xyz         # extxyz relative to the YAML file
//   frame: -1                    # frame index, negative counts from the end (-1: last)
//   timestep: 0.5                # fs
//   steps: 20000
//   seed: 1
//   ensemble: nvt                # nve | nvt | npt
//   temperature: 300             # K: initial velocities and thermostat target
//   velocities: maxwell-boltzmann  # | file | zero (see VelocitySource)
//   remove_com: true             # zero centre-of-mass momentum and keep it zero
//   thermostat: {type: bussi, tau: 100}   # bussi | langevin; tau in fs
//   barostat: {type: stochastic_cell_rescaling, pressure: 0.0, tau: 1000,
//              compressibility: 0.45, coupling: isotropic}  # GPa, fs, 1/GPa; | anisotropic
//   field: {type: static, e0: [0, 0, 0.01]}  # none | static | ac (see FieldProtocol)
//   masses: {H: 2.014}           # amu, overrides of the standard atomic weights
//   fixed: [1, 2]                # 1-based atom indices held fixed
//   min_distance: 0.5            # Å; 0 switches the check off
//   electrostatics: {method: pme, accuracy: 1e-5}   # overrides the model's for this run
//   extrapolation: {every: 10, novelty: 0.1, distance_ratio: 1.0, stop: false}
//                                # checks against the model's training domain
//                                (src/lnet/applicability): # warn (or stop with stop: true) when an
//                                atom's novelty exceeds # `novelty` or a contact is shorter than
//                                distance_ratio x the # shortest one trained on; every: 0 switches
//                                it off
//   uncertainty: {every: 10, force_std: 0.3, stop: false}
//                                # committees only: warn (or stop) when the committee's force
//                                # spread on some atom (committee_force_std_max, eV/Å) exceeds
//                                # force_std; every: -1 (default) = output.thermo_every.
//                                # With a committee, thermo.csv/.jsonl end with the columns
//                                # committee_energy_std (eV/atom) and committee_force_std_max
//                                # (eV/Å) of every thermo step
//   output: {dir: md, thermo_every: 10, trajectory_every: 100,
//            trajectory_extra: [charges, dipoles, bec], checkpoint_every: 1000,
//            overwrite: false}
#pragma once
#include <array>
#include <map>
#include <string>
#include <vector>

#include "lnet/applicability/applicability_domain.hpp"
#include "lnet/core/structure.hpp"
#include "lnet/md/field_protocol.hpp"
#include "lnet/util/electrostatics_settings.hpp"

namespace lnet {

enum class Ensemble { nve, nvt, npt };
enum class ThermostatType { bussi, langevin };
enum class Coupling { isotropic, anisotropic };
// maxwell_boltzmann: seeded draw at `temperature`, rescaled to exactly that temperature.
// file: per-atom column `momenta` (ASE units amu·Å/t_ASE) or `velocities` (ASE units Å/t_ASE,
//   t_ASE = Å·sqrt(amu/eV) ≈ 10.1805 fs, unless the frame says velocities_unit=A/fs as lnet's
//   own trajectories do). zero: start at rest.
enum class VelocitySource { maxwell_boltzmann, file, zero };

struct ThermostatConfig {
  ThermostatType type = ThermostatType::bussi;
  double tau_fs = 100;  // bussi: relaxation time of K; langevin: 1 / friction
};

struct BarostatConfig {
  double pressure_gpa = 0;                // target (isotropic) pressure
  double tau_fs = 1000;                   // relaxation time
  double compressibility_per_gpa = 0.45;  // isothermal compressibility β_T guess (water ~0.45)
  Coupling coupling = Coupling::isotropic;
};

struct OutputConfig {
  std::string dir = "md";  // relative to the YAML file
  int thermo_every = 10;
  int trajectory_every = 100;
  // Quantities of the registry (core/quantity.hpp) written per frame, e.g. charges, dipoles
  // (atomic_dipoles), bec, atom_energies.
  std::vector<std::string> trajectory_extra;
  int checkpoint_every = 1000;
  bool overwrite = false;
};

struct ExtrapolationConfig {
  int every = -1;              // steps between checks; -1: output.thermo_every; 0: off
  ApplicabilityLimits limits;  // outside beyond these
  bool stop = false;           // stop the run (writing last_good.xyz) instead of warning
};

// Committee runs: the spread of the members' forces checked like the training domain.
struct UncertaintyConfig {
  int every = -1;        // steps between checks; -1: output.thermo_every; 0: off
  double force_std = 0;  // eV/Å, limit on committee_force_std_max; 0: no limit (counted only)
  bool stop = false;     // stop the run (writing last_good.xyz) instead of warning
};

struct MdConfig {
  std::string source;                  // the YAML file ("" when built in code)
  std::string model;                   // resolved path (the first member's for a committee)
  std::vector<std::string> committee;  // resolved paths when `model` lists two or more
  std::string structure;               // resolved path
  int frame = -1;
  double timestep_fs = 0.5;
  long steps = 1000;
  unsigned long seed = 1;
  Ensemble ensemble = Ensemble::nvt;
  double temperature_K = 300;
  VelocitySource velocities = VelocitySource::maxwell_boltzmann;
  bool remove_com = true;
  ThermostatConfig thermostat;
  BarostatConfig barostat;
  FieldProtocol field;
  std::map<std::string, double> masses;  // element symbol -> amu
  std::vector<int> fixed;                // 0-based after loading
  double min_distance = 0.5;             // Å
  // Electrostatics at inference, overriding the model's (e.g. PME for a large cell).
  ElectrostaticsSettings electrostatics;
  ExtrapolationConfig extrapolation;
  UncertaintyConfig uncertainty;
  OutputConfig output;
};

// Reads and validates `path`; relative paths (model, structure, output.dir) are resolved against
// the YAML file's folder. InputError naming the file, line and key on any problem.
MdConfig load_md_config(const std::string& path);
MdConfig parse_md_config(const std::string& yaml_text, const std::string& name);

// Checks that need the starting structure: npt on a non-periodic (or mixed) system, fixed
// indices out of range, mass overrides for elements present (InputError naming the key), and
// non-finite positions or atoms closer than min_distance (InputError naming the config, the
// structure file and frame, and the atoms).
void validate_md_setup(const MdConfig& config, const Structure& start);

// The starting frame `config.frame` of `config.structure` (InputError if out of range), checked
// with validate_md_setup.
Structure load_md_structure(const MdConfig& config);

std::string to_string(Ensemble e);

}  // namespace lnet
