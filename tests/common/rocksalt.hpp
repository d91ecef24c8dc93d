// The 8-atom conventional rock-salt cell shared by the tests: fractional coordinates of
// 4 Na (first) and 4 Cl.
#pragma once
#include <array>

#include "lnet/core/structure.hpp"

namespace lnet::testing {

inline const std::array<Vec3, 8>& rocksalt_fractions() {
  static const std::array<Vec3, 8> f = {Vec3(0, 0, 0),   Vec3(0, .5, .5),  Vec3(.5, 0, .5),
                                        Vec3(.5, .5, 0), Vec3(.5, .5, .5), Vec3(.5, 0, 0),
                                        Vec3(0, .5, 0),  Vec3(0, 0, .5)};
  return f;
}

inline int rocksalt_number(int i) { return i < 4 ? 11 : 17; }

}  // namespace lnet::testing
