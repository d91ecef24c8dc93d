// What an electrostatics evaluation gives the inference engine (DESIGN.md §1.5): the energy and
// its derivatives at fixed charges and dipoles. Shared by the engine's callback
// (engine_model.hpp) and the torch-free Coulomb solvers (coulomb.hpp), so that neither includes
// the other.
#pragma once
#include <vector>

#include "lnet/core/structure.hpp"

namespace lnet::infer {

// Energy (eV), potential_i = dE/dq_i (V), field_i = -dE/dmu_i (V/Å), forces (eV/Å) and
// virial W = -dE/d(strain) (eV) at fixed q and mu (not yet divided by eps_s).
struct ElectrostaticsResult {
  double energy = 0;
  std::vector<double> potential;
  std::vector<Vec3> field, forces;
  Mat3 virial = Mat3::Zero();

  // n zeroed sites (the solvers ADD into a result).
  void reset(std::size_t n) {
    energy = 0;
    potential.assign(n, 0.0);
    field.assign(n, Vec3::Zero());
    forces.assign(n, Vec3::Zero());
    virial.setZero();
  }
};

}  // namespace lnet::infer
