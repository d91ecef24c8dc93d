#include "lnet/md/thermostats.hpp"

#include <cmath>

#include "lnet/core/constants.hpp"

namespace lnet::md {

double bussi_scaling_factor(double kinetic_energy, double target_kinetic_energy, int ndof,
                            double dt_over_tau, Rng& rng) {
  if (ndof <= 0 || !(kinetic_energy > 0)) return 1.0;
  const double c = std::exp(-dt_over_tau);
  const double r1 = rng.normal();
  const double sum_r2 = rng.chi_square(ndof - 1);
  const double k = kinetic_energy, kbar = target_kinetic_energy, n = ndof;
  const double resampled = k + (1 - c) * (kbar * (r1 * r1 + sum_r2) / n - k) +
                           2 * r1 * std::sqrt(c * (1 - c) * k * kbar / n);
  // K' ≥ 0 always holds analytically (it is a sum of squares); guard round-off.
  return std::sqrt(std::max(resampled, 0.0) / k);
}

void langevin_o_step(std::vector<Vec3>& velocities, const std::vector<double>& masses,
                     const std::vector<char>& fixed, double kT, double friction_dt, Rng& rng) {
  const double c = std::exp(-friction_dt);
  const double noise = std::sqrt(std::max(0.0, 1 - c * c));
  for (std::size_t i = 0; i < velocities.size(); ++i) {
    if (fixed[i]) {
      velocities[i].setZero();
      continue;
    }
    // k_B T / m in (Å/fs)²: eV / amu = 1 / amu_a2_per_fs2_to_ev.
    const double sigma = noise * std::sqrt(kT / (masses[i] * units::amu_a2_per_fs2_to_ev));
    for (int a = 0; a < 3; ++a) velocities[i][a] = c * velocities[i][a] + sigma * rng.normal();
  }
}

}  // namespace lnet::md
