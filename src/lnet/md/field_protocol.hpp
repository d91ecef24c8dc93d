// The external electric field of an MD run as a function of time (DESIGN.md §1 "Field
// coupling": the ForceField adds −E·M to the energy, so MD only has to say what E(t) is).
#pragma once
#include "lnet/core/structure.hpp"

namespace lnet {

struct FieldProtocol {
  enum Type { none, static_field, ac };
  Type type = none;
  Vec3 e0 = Vec3::Zero();   // V/Å
  double omega_per_fs = 0;  // angular frequency ω (rad/fs), ac only
  double phase = 0;         // rad, ac only

  // E(t) = e0 (static), e0 cos(ω t + phase) (ac), 0 (none); t in fs.
  Vec3 at(double time_fs) const;
  bool active() const { return type != none; }
};

// Angular frequency in rad/fs of a frequency given in THz (cycles per ps) or cm⁻¹
// (ν̃ c, c = 299792458 m/s); InputError naming `key` for another unit.
double angular_frequency_per_fs(double value, const std::string& unit, const std::string& key);

}  // namespace lnet
