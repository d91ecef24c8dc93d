#include "lnet/core/structure.hpp"

#include "lnet/core/constants.hpp"

namespace lnet {

std::optional<Mat3> Structure::stress_label() const {
  if (stress) return stress;
  if (virial && volume() > 0) return Mat3(-*virial / volume());
  return std::nullopt;
}

std::optional<Vec3> Structure::dipole_label() const {
  if (dipole) return dipole;
  if (polarization) return Vec3(*polarization * volume());
  return std::nullopt;
}

std::optional<Mat3> Structure::polarizability_label() const {
  if (polarizability) return polarizability;
  if (epsilon_inf && periodic())
    return Mat3((*epsilon_inf - Mat3::Identity()) * (units::eps0 * volume()));
  return std::nullopt;
}

}  // namespace lnet
