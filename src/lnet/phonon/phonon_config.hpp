// Settings of one `lnet phonon` run, read from YAML (CONVENTIONS.md "Configs": strict, unknown
// keys are errors, ranges checked with messages naming the key). Units: Å, THz, amu.
//
//   model: model.lnet          # relative to the YAML file (the CLI loads it)
//   structure: nacl.xyz        # primitive cell, extxyz, relative to the YAML file
//   frame: -1                  # negative counts from the end
//   supercell:                 # exactly one of:
//     matrix: [2, 2, 2]        #   3 (diagonal) or 9 / 3x3 integers; rows: supercell vectors
//                              #   in units of the primitive ones (phonopy's DIM is the transpose)
//     min_length: 10.0         #   Å: smallest supercell with all perpendicular widths >= this
//   displacement: 0.01         # Å, ± finite-displacement amplitude
//   hessian_check: auto        # auto | true | false: compare with the model's exact Hessian
//   hessian_max_atoms: 64      # auto skips the check above this supercell size
//   acoustic_sum_rule: true
//   max_force_warning: 0.01    # eV/Å: warn when the structure is further from equilibrium
//   masses: {Na: 22.99}        # amu overrides of the standard atomic weights
//   symprec: 1e-5              # Å, symmetry tolerance (BORN's independent atoms, Z* averaging)
//   min_distance: 0.5          # Å: atoms of the structure closer than this are an error (0: off)
//   electrostatics: {method: pme, accuracy: 1e-5}   # overrides the model's (as in lnet md),
//                              # e.g. PME for a large supercell
//   nac:
//     method: gonze            # gonze | wang | none
//     epsilon_inf: 2.4         # 1, 3 (diagonal) or 9 numbers; default: the BORN file's, or
//                              # with born: model and a polarizable model, the model's own ε∞
//                              # at the structure (required otherwise)
//     born: model              # model (Z* evaluated at the structure) | path to a BORN file
//     born_asr: true           # impose Σ Z* = 0
//   gamma_direction: [1, 0, 0] # q̂ of the approach to Γ (LO/TO), fractional reciprocal
//   gamma_direction_cartesian: false   # true: gamma_direction is Cartesian
//   path:                      # or `path: none`
//     lattice: auto            # auto | fcc | bcc | cubic | hexagonal (standard labels)
//     labels: "G X W K G L | U X"      # default: the lattice's standard path
//     points: [[0,0,0], [0.5,0,0.5]]   # instead of labels: explicit fractional q-points
//     point_labels: [G, X]
//     npoints: 51              # per straight piece
//   dos: {mesh: [16, 16, 16], sigma: 0.1, points: 400}   # sigma THz; `dos: none` skips it
//   output: {dir: phonon, plot: true, phonopy: true}
#pragma once
#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lnet/core/structure.hpp"
#include "lnet/phonon/band_path.hpp"
#include "lnet/phonon/nac.hpp"
#include "lnet/phonon/supercell.hpp"
#include "lnet/util/electrostatics_settings.hpp"

namespace lnet {

enum class HessianCheck { automatic, on, off };

struct PhononConfig {
  std::string source;
  std::string model;
  std::string structure;
  int frame = -1;
  std::optional<Mat3i> supercell_matrix;
  std::optional<double> min_length;
  double displacement = 0.01;
  HessianCheck hessian_check = HessianCheck::automatic;
  int hessian_max_atoms = 64;
  bool acoustic_sum_rule = true;
  double max_force_warning = 0.01;
  std::map<std::string, double> masses;
  double symprec = 1e-5;
  double min_distance = 0.5;              // Å; 0: no check
  ElectrostaticsSettings electrostatics;  // "" / 0: the model's

  NacMethod nac = NacMethod::none;
  std::optional<Mat3> epsilon_inf;
  std::string born = "model";  // "model" or a resolved BORN path
  bool born_asr = true;

  Vec3 gamma_direction = Vec3(1, 0, 0);
  bool gamma_direction_cartesian = false;

  bool band = true;
  LatticeKind lattice = LatticeKind::unknown;         // unknown: detect
  std::vector<std::vector<std::string>> path_labels;  // empty: default for the lattice
  std::vector<Vec3> path_points;                      // explicit (one segment)
  std::vector<std::string> point_labels;
  int band_points = 51;

  bool dos = true;
  std::array<int, 3> dos_mesh{16, 16, 16};
  double dos_sigma = 0.1;  // THz
  int dos_points = 400;

  std::string output_dir = "phonon";
  bool plot = true;
  bool phonopy_files = true;
};

PhononConfig load_phonon_config(const std::string& path);
PhononConfig parse_phonon_config(const std::string& yaml_text, const std::string& name);

}  // namespace lnet
