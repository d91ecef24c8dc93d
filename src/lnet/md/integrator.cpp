#include "lnet/md/integrator.hpp"

#include <cmath>

#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"
#include "lnet/md/thermostats.hpp"

namespace lnet::md {

Integrator::Integrator(const IntegratorSettings& settings, std::vector<double> masses,
                       const std::vector<int>& fixed)
    : settings_(settings), masses_(std::move(masses)), fixed_(masses_.size(), 0) {
  for (int i : fixed) {
    if (i < 0 || i >= static_cast<int>(masses_.size()))
      throw Error("Integrator: fixed atom index " + std::to_string(i) + " out of range");
    fixed_[static_cast<std::size_t>(i)] = 1;
  }
  const int n_free = static_cast<int>(masses_.size()) - static_cast<int>(fixed.size());
  // With fixed atoms the centre of mass is anchored by them: COM removal would fight them.
  remove_com_ = settings_.remove_com && fixed.empty() && n_free > 1;
  ndof_ = 3 * n_free - (remove_com_ ? 3 : 0);
  for (std::size_t i = 0; i < masses_.size(); ++i)
    if (!fixed_[i]) total_free_mass_ += masses_[i];
  kT_ = units::kb * settings_.temperature_K;
  scr_.pressure = settings_.barostat.pressure_gpa / units::ev_per_a3_to_gpa;
  scr_.compressibility = settings_.barostat.compressibility_per_gpa * units::ev_per_a3_to_gpa;
  scr_.tau_fs = settings_.barostat.tau_fs;
  scr_.anisotropic = settings_.barostat.coupling == Coupling::anisotropic;
}

void Integrator::constrain_velocities(std::vector<Vec3>& v) const {
  for (std::size_t i = 0; i < v.size(); ++i)
    if (fixed_[i]) v[i].setZero();
  if (!remove_com_) return;
  Vec3 p = Vec3::Zero();
  for (std::size_t i = 0; i < v.size(); ++i) p += masses_[i] * v[i];
  const Vec3 v_com = p / total_free_mass_;
  for (auto& vi : v) vi -= v_com;
}

void Integrator::kick(MdState& s, double dt) const {
  const auto& f = s.eval.forces;
  Vec3 a_com = Vec3::Zero();
  if (remove_com_) {
    for (const auto& fi : f) a_com += fi;
    a_com /= total_free_mass_;
  }
  // F/m in eV/(Å amu) → Å/fs²: divide by amu_a2_per_fs2_to_ev.
  const double c = dt / units::amu_a2_per_fs2_to_ev;
  for (std::size_t i = 0; i < s.velocities.size(); ++i) {
    if (fixed_[i]) continue;
    s.velocities[i] += c * (f[i] / masses_[i] - a_com);
  }
}

void Integrator::drift(MdState& s, double dt) const {
  for (std::size_t i = 0; i < s.positions.size(); ++i)
    if (!fixed_[i]) s.positions[i] += dt * s.velocities[i];
}

void Integrator::thermostat_half(MdState& s, Rng& rng) const {
  const double k = kinetic_energy(s.velocities);
  const double alpha = bussi_scaling_factor(
      k, 0.5 * ndof_ * kT_, ndof_, 0.5 * settings_.timestep_fs / settings_.thermostat.tau_fs, rng);
  for (auto& v : s.velocities) v *= alpha;
  s.thermostat_heat += (alpha * alpha - 1) * k;
}

void Integrator::step(MdState& s, Rng& rng, const Evaluate& evaluate) const {
  const double dt = settings_.timestep_fs;
  const bool thermostat = settings_.ensemble != Ensemble::nve;
  const bool bussi = thermostat && settings_.thermostat.type == ThermostatType::bussi;
  const bool langevin = thermostat && settings_.thermostat.type == ThermostatType::langevin;
  const bool npt = settings_.ensemble == Ensemble::npt;
  const Vec3 field_before = s.efield;
  const std::optional<Vec3> dipole_before = s.eval.dipole;

  if (bussi) thermostat_half(s, rng);
  kick(s, dt / 2);
  if (langevin) {
    drift(s, dt / 2);
    const double k_before = kinetic_energy(s.velocities);
    langevin_o_step(s.velocities, masses_, fixed_, kT_, dt / settings_.thermostat.tau_fs, rng);
    constrain_velocities(s.velocities);
    s.thermostat_heat += kinetic_energy(s.velocities) - k_before;
    drift(s, dt / 2);
  } else {
    drift(s, dt);
  }
  ScrStep scr;
  Mat3 virial_before = Mat3::Zero();
  if (npt) {
    if (!s.eval.virial) throw Error("npt step: the last evaluation has no virial");
    virial_before = *s.eval.virial;
    scr = stochastic_cell_rescaling(s.positions, s.velocities, s.cell, masses_, virial_before, scr_,
                                    kT_, dt, rng);
  }
  s.step += 1;
  evaluate(s);
  if (npt) {
    if (!s.eval.virial) throw Error("npt step: the force field returned no virial");
    // ΔU of the rescaling to second order: −W̄ : (μ − I), W̄ the mean of the virials around it.
    const Mat3 strain = scr.mu - Mat3::Identity();
    const double du = -0.5 * (virial_before + *s.eval.virial).cwiseProduct(strain).sum();
    s.barostat_heat += scr.kinetic_and_pv + du;
  }
  kick(s, dt / 2);
  if (bussi) thermostat_half(s, rng);
  // H(t) = K + U(x; E(t)) changes by ∂H/∂t = −Ė·M; trapezoid rule over the step.
  if (dipole_before && s.eval.dipole && s.efield != field_before)
    s.field_work += (s.efield - field_before).dot(0.5 * (*dipole_before + *s.eval.dipole));
}

double Integrator::kinetic_energy(const std::vector<Vec3>& v) const {
  double k = 0;
  for (std::size_t i = 0; i < v.size(); ++i) k += masses_[i] * v[i].squaredNorm();
  return 0.5 * k * units::amu_a2_per_fs2_to_ev;
}

double Integrator::temperature(const std::vector<Vec3>& v) const {
  return ndof_ > 0 ? 2 * kinetic_energy(v) / (ndof_ * units::kb) : 0.0;
}

double Integrator::pressure(const MdState& s) const {
  const double volume = std::abs(s.cell.determinant());
  if (!s.eval.virial || !(volume > 0)) return std::nan("");
  return (2 * kinetic_energy(s.velocities) + s.eval.virial->trace()) / (3 * volume);
}

double Integrator::conserved_energy(const MdState& s) const {
  double h = s.eval.energy + kinetic_energy(s.velocities);
  if (settings_.ensemble == Ensemble::npt) h += scr_.pressure * std::abs(s.cell.determinant());
  return h - s.thermostat_heat - s.barostat_heat + s.field_work;
}

}  // namespace lnet::md
