// The dynamical state of an MD run: everything a checkpoint must hold to continue it exactly.
#pragma once
#include <optional>
#include <vector>

#include "lnet/core/force_field.hpp"

namespace lnet::md {

struct MdState {
  long step = 0;
  // Å, UNWRAPPED (DESIGN.md §1 "Periodic pitfalls": −E·M must see continuous positions; the
  // ForceField accepts positions outside the cell). Wrapping happens only when writing frames.
  std::vector<Vec3> positions;
  std::vector<Vec3> velocities;  // Å/fs
  Mat3 cell = Mat3::Zero();      // rows a, b, c (Å)
  // The force field's answer at `positions`, `cell` and field `efield` = E(step·dt).
  Evaluation eval;
  Vec3 efield = Vec3::Zero();
  // Born dipole one step back, for the centred dM/dt of the dipole series.
  std::optional<Vec3> previous_dipole;
  // Energy bookkeeping for the conserved quantity (eV), see Integrator::conserved_energy:
  double thermostat_heat = 0;  // Σ ΔK caused by thermostat steps
  double barostat_heat = 0;    // Σ Δ(U + K + P₀V) caused by cell-rescaling steps
  double field_work = 0;       // Σ Ė·M dt for a time-dependent field
};

}  // namespace lnet::md
