// Exploration for active learning: short NVT (Langevin) runs with the committee mean from each
// start structure at every point of a grid of temperatures, isotropic strains and uniform
// fields; a snapshot every `snapshot_every` steps carries the committee spread.
#pragma once
#include <string>
#include <vector>

#include "lnet/learn/committee.hpp"

namespace lnet {

struct ExploreConfig {
  std::vector<double> temperatures = {300};   // K
  std::vector<double> strains = {0};          // percent, isotropic: cell and positions scaled
  std::vector<Vec3> fields = {Vec3::Zero()};  // V/Å (long-range committees only)
  long steps = 200;
  int snapshot_every = 20;
  double timestep_fs = 1.0;
  double friction_tau_fs = 100;  // Langevin 1/friction
  double min_distance = 0.5;     // Å: a run whose atoms come closer ends there
  int seed = 1;
};

// A snapshot: the structure (positions wrapped into the cell, no labels) and the committee's
// answer there. The structure's info holds learn_temperature, learn_strain, learn_efield,
// learn_step, learn_force_std, learn_energy_std (written to explore.xyz, read back on resume).
struct Snapshot {
  Structure structure;
  double force_std_max = 0;        // eV/Å
  double energy_std_per_atom = 0;  // eV/atom
};

// Runs every (start, temperature, strain, field) combination; `seed` makes the velocities and
// noise of this call reproducible. A run that fails (atoms too close, a member error, non-finite
// forces: the committee is far from its data) ends with a warning and keeps the snapshots it
// had, plus the last sound one, which is exactly the kind of frame worth labelling.
std::vector<Snapshot> explore(const std::vector<Structure>& starts, Committee& committee,
                              const ExploreConfig& config);

// The spreads stored in a snapshot structure's info (explore.xyz read back); InputError naming
// `where` when they are missing.
Snapshot snapshot_from_info(const Structure& s, const std::string& where);

}  // namespace lnet
