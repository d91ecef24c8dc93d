#include "lnet/md/field_protocol.hpp"

#include <cmath>

#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"

namespace lnet {

Vec3 FieldProtocol::at(double time_fs) const {
  switch (type) {
    case static_field:
      return e0;
    case ac:
      return e0 * std::cos(omega_per_fs * time_fs + phase);
    default:
      return Vec3::Zero();
  }
}

double angular_frequency_per_fs(double value, const std::string& unit, const std::string& key) {
  // 1 THz = 1e-3 cycles/fs; 1 cm⁻¹ = c · 100 m⁻¹ = 2.99792458e10 Hz = 2.99792458e-5 cycles/fs.
  if (unit == "THz") return 2 * units::pi * value * 1e-3;
  if (unit == "cm-1" || unit == "cm^-1" || unit == "1/cm")
    return 2 * units::pi * value * 2.99792458e-5;
  throw InputError("", key + ": unknown frequency unit '" + unit + "' (expected THz or cm-1)");
}

}  // namespace lnet
