#include "lnet/core/structure.hpp"

namespace lnet {

std::optional<Mat3> Structure::stress_label() const {
  if (stress) return stress;
  if (virial && volume() > 0) return Mat3(-*virial / volume());
  return std::nullopt;
}

}  // namespace lnet
