// A quantity only the tests register (core/quantity.hpp): |F_i| per atom, derived from the
// forces, to show that a quantity added at run time reaches every writer with no change there.
#pragma once
#include "lnet/core/quantity.hpp"

namespace lnet::testing {

inline Quantity force_norms_quantity() {
  Quantity q;
  q.name = "test_force_norms";
  q.unit = "eV/Å";
  q.per_atom = true;
  q.description = "|F_i|";
  q.inputs = {"forces"};
  q.derive = [](const Evaluation& e, const Structure&) {
    std::vector<double> v;
    for (const Vec3& f : e.forces) v.push_back(f.norm());
    return v;
  };
  return q;
}

}  // namespace lnet::testing
