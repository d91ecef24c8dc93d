// Stochastic thermostats acting on velocities (Å/fs) with masses in amu.
#pragma once
#include <vector>

#include "lnet/core/structure.hpp"
#include "lnet/md/random.hpp"

namespace lnet::md {

// Bussi–Donadio–Parrinello stochastic velocity rescaling, J. Chem. Phys. 126, 014101 (2007),
// Eq. (A7): the kinetic energy K is resampled exactly from the Ornstein–Uhlenbeck-like process
// over a time `dt`,
//   K' = K + (1 − c)(K̄ (R₁² + Σ_{i=2}^{N_f} R_i²) / N_f − K) + 2 R₁ √(c (1 − c) K K̄ / N_f),
// c = exp(−dt/τ), K̄ = N_f k_B T / 2, with the sum of N_f − 1 squared Gaussians drawn as one
// chi-square variate. Returns the velocity scaling factor α = √(K'/K) (1 when K or N_f is 0).
double bussi_scaling_factor(double kinetic_energy, double target_kinetic_energy, int ndof,
                            double dt_over_tau, Rng& rng);

// The O step of BAOAB Langevin dynamics (Leimkuhler & Matthews, Appl. Math. Res. Express 2013,
// 34; J. Chem. Phys. 138, 174102 (2013)): v ← c v + √((1 − c²) k_B T / m) ξ, c = exp(−γ dt),
// exact for the Ornstein–Uhlenbeck part. Atoms with fixed[i] keep zero velocity.
void langevin_o_step(std::vector<Vec3>& velocities, const std::vector<double>& masses,
                     const std::vector<char>& fixed, double kT, double friction_dt, Rng& rng);

}  // namespace lnet::md
