// Masses and starting velocities of an MD run.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "lnet/md/integrator.hpp"
#include "lnet/md/md_config.hpp"

namespace lnet::md {

// amu per atom: standard atomic weights (atomic_mass) unless `overrides` names the element.
std::vector<double> atom_masses(const Structure& s, const std::map<std::string, double>& overrides);

// Velocities (Å/fs) as config.velocities says, constrained by the integrator (fixed atoms at
// rest, zero centre-of-mass momentum). maxwell-boltzmann: Gaussian draws of variance
// k_B T / m, then rescaled so the instantaneous temperature is exactly config.temperature_K.
// file: from the frame's `momenta` (ASE: amu·Å/t_ASE) or `velocities` column (ASE's Å/t_ASE,
// or Å/fs when the frame has velocities_unit=A/fs as lnet's trajectories do);
// t_ASE = Å·sqrt(amu/eV) = sqrt(amu_a2_per_fs2_to_ev) fs ≈ 10.1805 fs. InputError naming the
// `velocities` key when the column is missing or malformed.
std::vector<Vec3> initial_velocities(const MdConfig& config, const Structure& start,
                                     const Integrator& integrator, Rng& rng);

}  // namespace lnet::md
