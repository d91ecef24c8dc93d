#include "lnet/md/barostat.hpp"

#include <cmath>

#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"

namespace lnet::md {

Mat3 kinetic_tensor(const std::vector<Vec3>& velocities, const std::vector<double>& masses) {
  Mat3 k = Mat3::Zero();
  for (std::size_t i = 0; i < velocities.size(); ++i)
    k += masses[i] * velocities[i] * velocities[i].transpose();
  return k * units::amu_a2_per_fs2_to_ev;
}

bool is_lower_triangular(const Mat3& cell) {
  const double scale = cell.cwiseAbs().maxCoeff();
  const double tol = 1e-12 * scale;
  return std::abs(cell(0, 1)) <= tol && std::abs(cell(0, 2)) <= tol && std::abs(cell(1, 2)) <= tol;
}

ScrStep stochastic_cell_rescaling(std::vector<Vec3>& positions, std::vector<Vec3>& velocities,
                                  Mat3& cell, const std::vector<double>& masses, const Mat3& virial,
                                  const ScrSettings& s, double kT, double dt, Rng& rng) {
  const double volume = std::abs(cell.determinant());
  const Mat3 k2 = kinetic_tensor(velocities, masses);
  const Mat3 p_int = (k2 + virial) / volume;
  const double kinetic_before = 0.5 * k2.trace();
  ScrStep out;
  if (!s.anisotropic) {
    const double rate = s.compressibility / s.tau_fs;
    const double d_eps = -rate * (s.pressure - p_int.trace() / 3) * dt +
                         std::sqrt(2 * kT * rate * dt / volume) * rng.normal();
    out.mu = Mat3::Identity() * std::exp(d_eps / 3);
  } else {
    if (!is_lower_triangular(cell))
      throw Error(
          "anisotropic cell rescaling needs lower-triangular cell rows (a along x, b in "
          "the xy plane)");
    const double rate = s.compressibility / (3 * s.tau_fs);
    const double noise = std::sqrt(2 * kT * rate * dt / volume);
    out.mu.setZero();
    for (int a = 0; a < 3; ++a) {
      for (int b = a; b < 3; ++b) {
        const double drift = -rate * ((a == b ? s.pressure : 0.0) - p_int(a, b)) * dt;
        const double e = drift + noise * rng.normal();
        // Exact exponential on the diagonal: ln V must change by exactly Σ e_αα, or the
        // second-order term biases the volume at the order of the Itô drift.
        out.mu(a, b) = a == b ? std::exp(e) : e;
      }
    }
  }
  const Mat3 mu_inv_t = out.mu.inverse().transpose();
  for (auto& r : positions) r = out.mu * r;
  for (auto& v : velocities) v = mu_inv_t * v;
  cell = cell * out.mu.transpose();
  const double kinetic_after = 0.5 * kinetic_tensor(velocities, masses).trace();
  out.kinetic_and_pv =
      kinetic_after - kinetic_before + s.pressure * (std::abs(cell.determinant()) - volume);
  return out;
}

}  // namespace lnet::md
