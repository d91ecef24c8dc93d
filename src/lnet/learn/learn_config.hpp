// The `lnet learn` input file (YAML, strict: unknown keys are errors naming the key; paths are
// relative to the YAML file). See examples/nacl/learn.yaml:
//
//   training: {config: train.yaml, committee: 4}   # its data.train: the starting data
//   explore:
//     structures: [start.xyz]        # every frame of each file starts runs
//     temperatures: [300, 900]       # K
//     strains: [-3, 0, 3]            # percent, isotropic
//     fields: [[0, 0, 0]]            # V/Å (long-range models)
//     steps: 500
//     snapshot_every: 25
//     timestep: 1.0                  # fs
//     friction_tau: 100              # fs, Langevin
//     min_distance: 0.5              # Å
//     seed: 1
//   select: {lower: 0.05, upper: 0.6, max_frames: 10, min_distance: 0.02,
//            fingerprint_cutoff: 5.0}   # eV/Å, eV/Å, -, Å, Å
//   label:
//     driver: qe                     # qe | command
//     command: "python3 teacher.py {input} {output}"   # driver: command
//     born_fraction: 0.3             # share of the frames that also get Z* and eps_inf
//     qe: {pseudo_dir: pseudo, pseudopotentials: {Na: Na.UPF, Cl: Cl.UPF}, ecutwfc: 60,
//          ecutrho: 0, kpoints: [2, 2, 2], kpoint_shift: [1, 1, 1], smearing: "",
//          degauss: 0.01, conv_thr: 1.0e-8, tr2_ph: 1.0e-14,
//          pw_command: "pw.x -in {input} > {output}", ph_command: "ph.x -in {input} > {output}"}
//   budget: {iterations: 3, dft_calls: 80, minutes: 180}
//   test_data: held_out.xyz          # optional: errors of every iteration's committee on it
//   output: {dir: learn}
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "lnet/learn/explore.hpp"
#include "lnet/learn/qe_driver.hpp"
#include "lnet/learn/select.hpp"
#include "lnet/train/train_config.hpp"

namespace lnet {

struct LearnConfig {
  std::string source;  // the YAML file
  std::string train_config_path;
  TrainConfig training;  // train_file: the starting data
  int committee = 4;
  std::vector<std::string> structures;  // exploration starts (extxyz files)
  ExploreConfig explore;
  SelectConfig select;
  std::string driver = "command";  // command | qe
  std::string command;             // driver: command
  double born_fraction = 0;
  QeSettings qe;
  int max_iterations = 3;  // labelling rounds
  long max_dft_calls = 100;
  double max_minutes = 0;  // 0: no limit
  std::string test_data;   // optional
  std::string output_dir = "learn";
};

LearnConfig load_learn_config(const std::string& path);

}  // namespace lnet
