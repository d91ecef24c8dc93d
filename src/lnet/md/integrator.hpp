// One MD time step for every ensemble (nve, nvt with Bussi or Langevin, npt with stochastic
// cell rescaling), and the kinetic and conserved quantities that go with it.
//
// Splittings (B: kick v += F/m dt/2, A: drift x += v dt, T: thermostat, S: cell rescaling):
//   nve:            B A [F] B                            velocity Verlet
//   nvt bussi:      T½ B A [F] B T½                      Bussi et al. 2007, Sec. IV
//   nvt langevin:   B A½ O A½ [F] B                      BAOAB, Leimkuhler & Matthews 2013
//   npt:            as nvt with S(dt) just before [F], so forces always match the positions
// Constraints: fixed atoms have zero velocity and ignore forces; with remove_com (and no fixed
// atoms) the net force is removed from the accelerations (a_i −= ΣF/ΣM), the consistent
// constraint force for a fixed centre of mass, so nve still conserves U + K exactly in the
// dt → 0 limit even for potentials that are not translation invariant.
#pragma once
#include <functional>
#include <vector>

#include "lnet/md/barostat.hpp"
#include "lnet/md/md_config.hpp"
#include "lnet/md/md_state.hpp"
#include "lnet/md/random.hpp"

namespace lnet::md {

struct IntegratorSettings {
  double timestep_fs = 0.5;
  Ensemble ensemble = Ensemble::nve;
  ThermostatConfig thermostat;
  double temperature_K = 0;
  bool remove_com = true;
  BarostatConfig barostat;  // npt only
};

class Integrator {
 public:
  // Fills state.eval and state.efield for state.positions, state.cell at time state.step·dt.
  using Evaluate = std::function<void(MdState&)>;

  // masses in amu; fixed: 0-based atom indices.
  Integrator(const IntegratorSettings& settings, std::vector<double> masses,
             const std::vector<int>& fixed);

  // Advances `state` by one step (state.step increases by 1), calling `evaluate` once.
  void step(MdState& state, Rng& rng, const Evaluate& evaluate) const;

  // Zeroes fixed atoms and, with remove_com, the centre-of-mass momentum.
  void constrain_velocities(std::vector<Vec3>& velocities) const;

  int degrees_of_freedom() const { return ndof_; }
  const std::vector<double>& masses() const { return masses_; }
  const std::vector<char>& fixed() const { return fixed_; }
  bool removes_com() const { return remove_com_; }
  double kinetic_energy(const std::vector<Vec3>& velocities) const;  // eV
  double temperature(const std::vector<Vec3>& velocities) const;     // K, 2K / (N_f k_B)
  // Scalar pressure (2K + tr W) / (3V) in eV/Å³; needs state.eval.virial and a periodic cell.
  double pressure(const MdState& state) const;
  // The quantity the dynamics conserves up to integration error (eV):
  // U + K (+ P₀V in npt) − Σ thermostat heat − Σ barostat heat + Σ Ė·M dt.
  double conserved_energy(const MdState& state) const;

 private:
  void kick(MdState& s, double dt) const;
  void drift(MdState& s, double dt) const;
  void thermostat_half(MdState& s, Rng& rng) const;

  IntegratorSettings settings_;
  std::vector<double> masses_;
  std::vector<char> fixed_;
  bool remove_com_ = false;
  int ndof_ = 0;
  double total_free_mass_ = 0;
  double kT_ = 0;
  ScrSettings scr_;
};

}  // namespace lnet::md
