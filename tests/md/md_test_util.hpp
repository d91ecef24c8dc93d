// Small systems and a bare integration loop (no files) for the MD tests.
#pragma once
#include <functional>

#include "lnet/core/constants.hpp"
#include "lnet/md/integrator.hpp"
#include "md/analytic_force_fields.hpp"

namespace lnet::testing {

// n_side³ simple-cubic sites (spacing a) with alternating charges ±q, in a periodic cube.
inline Structure cubic_crystal(int n_side, double a, ChargedCrystal& ff, double q) {
  Structure s;
  s.cell = Mat3::Identity() * (n_side * a);
  s.pbc = {true, true, true};
  ff.site_fractions.clear();
  ff.charges.clear();
  for (int x = 0; x < n_side; ++x)
    for (int y = 0; y < n_side; ++y)
      for (int z = 0; z < n_side; ++z) {
        const Vec3 f = (Vec3(x, y, z) + Vec3::Constant(0.25)) / n_side;
        ff.site_fractions.push_back(f);
        ff.charges.push_back((x + y + z) % 2 ? -q : q);
        s.numbers.push_back((x + y + z) % 2 ? 17 : 11);
        s.positions.push_back(s.cell.transpose() * f);
      }
  return s;
}

// Integrates `ff` without any output: the physics of the integrator alone.
struct Simulation {
  md::Integrator integrator;
  md::MdState state;
  md::Rng rng;
  ForceField& ff;
  Structure frame;
  FieldProtocol field;
  double dt;
  bool virial;

  Simulation(const md::IntegratorSettings& settings, const Structure& start, ForceField& f,
             std::vector<double> masses, std::uint64_t seed, FieldProtocol fp = {},
             std::vector<int> fixed = {})
      : integrator(settings, std::move(masses), fixed),
        rng(seed),
        ff(f),
        frame(start),
        field(fp),
        dt(settings.timestep_fs),
        virial(settings.ensemble == Ensemble::npt) {
    state.positions = start.positions;
    state.cell = start.cell;
    state.velocities.assign(start.size(), Vec3::Zero());
    evaluate(state);
  }

  void evaluate(md::MdState& s) {
    frame.positions = s.positions;
    frame.cell = s.cell;
    s.efield = field.at(s.step * dt);
    EvalRequest r;
    r.virial = virial;
    s.eval = ff.evaluate(frame, s.efield, r);
  }

  // Maxwell–Boltzmann velocities at `temperature`, constrained.
  void thermalize(double temperature) {
    const double kT = units::kb * temperature;
    for (std::size_t i = 0; i < state.velocities.size(); ++i)
      for (int a = 0; a < 3; ++a)
        state.velocities[i][a] =
            std::sqrt(kT / (integrator.masses()[i] * units::amu_a2_per_fs2_to_ev)) * rng.normal();
    integrator.constrain_velocities(state.velocities);
  }

  void step() {
    integrator.step(state, rng, [this](md::MdState& s) { evaluate(s); });
  }
};

}  // namespace lnet::testing
