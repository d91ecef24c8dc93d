// Inputs of the Coulomb solvers (DESIGN.md §1.5): resolved parameters (coulomb_parameters.hpp,
// the same type for the torch and the torch-free solvers) and a view of sites carrying Gaussian
// charges and dipoles.
#pragma once
#include <cstddef>

#include "lnet/core/structure.hpp"
#include "lnet/infer/coulomb_parameters.hpp"

namespace lnet::infer {

// A non-owning view of `size` sites. Null charges or dipoles mean zeros; null sigma means point
// sites (sigma only enters the real-space and direct kernels). Positions need not be wrapped.
struct CoulombSites {
  const Vec3* positions = nullptr;
  const double* charges = nullptr;  // e
  const Vec3* dipoles = nullptr;    // e·Å
  const double* sigma = nullptr;    // Å
  std::size_t size = 0;

  double q(std::size_t i) const { return charges ? charges[i] : 0.0; }
  Vec3 mu(std::size_t i) const { return dipoles ? dipoles[i] : Vec3::Zero(); }
  double s2(std::size_t i) const { return sigma ? sigma[i] * sigma[i] : 0.0; }
  // Sites [begin, end) of this view, e.g. the atoms one MPI rank owns.
  CoulombSites slice(std::size_t begin, std::size_t end) const {
    CoulombSites s;
    s.positions = positions + begin;
    s.charges = charges ? charges + begin : nullptr;
    s.dipoles = dipoles ? dipoles + begin : nullptr;
    s.sigma = sigma ? sigma + begin : nullptr;
    s.size = end - begin;
    return s;
  }
};

}  // namespace lnet::infer
