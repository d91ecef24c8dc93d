// Inputs of the torch-free Coulomb solvers (DESIGN.md §1.5): resolved parameters and a view of
// sites carrying Gaussian charges and dipoles. The parameters are those of the reference
// es::Parameters (tuned in src/lnet/electrostatics); src/lnet/model converts between the two.
#pragma once
#include <array>
#include <cstddef>

#include "lnet/core/structure.hpp"

namespace lnet::infer {

enum class CoulombMethod { Ewald, PME, Direct };

struct CoulombParameters {
  CoulombMethod method = CoulombMethod::Direct;
  double alpha = 0;           // Ewald splitting (1/Å)
  double real_cutoff = 0;     // Å, real-space pairs with r < real_cutoff
  std::array<int, 3> kmax{};  // Ewald: k = 2 pi m h^-T with |m_a| <= kmax_a and |k| <= k_cut
  std::array<int, 3> mesh{};  // PME mesh points per axis
  int order = 5;              // PME cardinal B-spline order (4..8: forces need M_n'')
  // Real-space kernel from erfc and exp per pair (equal to the reference to rounding) instead
  // of the tables of coulomb_table.hpp (error <= 1e-12 of the bare Coulomb term, ~3x faster).
  bool exact_real_space = false;
};

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
