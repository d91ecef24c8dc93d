// Reciprocal-space part of the Ewald sum of point charges and dipoles (DESIGN.md §1.5), with a
// three-phase API so that MPI ranks can share it:
//   (a) spread:      each rank adds the contributions of the sites it owns to a buffer
//                    (Ewald: the structure factors S(k); PME: the charge mesh), plus the total
//                    charge for the neutralising background;
//   --  the caller sums the buffers over ranks (e.g. MPI_Allreduce, MPI_SUM, on doubles);
//   (b) solve:       energy and virial of the reciprocal sum and the background (global
//                    numbers: count them on ONE rank), and turns the buffer into what (c) needs;
//   (c) interpolate: potential, field and forces (at fixed q and mu) of the rank's sites, and
//                    their part of the virial (the strain dependence of k·mu, -sym(mu ⊗ E_k)).
// One process: spread all sites, solve, interpolate all sites. A KSpace holds the cell and the
// tables derived from it (k-vectors, influence function): build a new one when the cell
// changes. All numbers include the Coulomb constant.
#pragma once
#include <cstddef>
#include <memory>
#include <vector>

#include "lnet/infer/coulomb_sites.hpp"
#include "lnet/infer/electrostatics_result.hpp"

namespace lnet::infer {

struct KSpaceSolution {
  double energy = 0;           // eV: reciprocal sum + background -pi Q^2/(2 V alpha^2)
  Mat3 virial = Mat3::Zero();  // eV, W = -dE/d(strain) at fixed mu, less the per-site k·mu part
  double total_charge = 0;     // e, Q of all spread sites (background; warn when nonzero)
};

class KSpace {
 public:
  virtual ~KSpace() = default;
  // A zeroed buffer of the right size (the same on every rank).
  virtual std::vector<double> make_buffer() const = 0;
  // (a) Adds the sites' contributions to `buffer`. Sites must not move between (a) and (c).
  virtual void spread(const CoulombSites& sites, std::vector<double>& buffer) const = 0;
  // (b) On the buffer summed over all sites. Not thread-safe (FFT work arrays).
  virtual KSpaceSolution solve(std::vector<double>& buffer) = 0;
  // (c) Adds potential, field, forces of `sites` to out entries offset .. offset + sites.size,
  // and their per-site virial term to out.virial. `buffer` as left by solve.
  virtual void interpolate(const CoulombSites& sites, const std::vector<double>& buffer,
                           ElectrostaticsResult& out, std::size_t offset = 0) const = 0;
};

// Ewald (the k-vectors of es::detail::half_space_kvectors) or smooth PME (Essmann et al. 1995,
// the mesh, B-spline order and moduli of es::detail::pme_reciprocal_energy) for `cell` (rows are
// lattice vectors). Throws lnet::Error for a Direct method or a bad PME order.
std::unique_ptr<KSpace> make_kspace(const CoulombParameters& p, const Mat3& cell);

}  // namespace lnet::infer

namespace lnet::infer::coulomb_detail {

// The k-space energy depends on the strain through k·mu at fixed mu as well (positions and cell
// strained, DESIGN.md §1.6): dE/d(strain)_ab gets sum_j mu_ja E_jb with E_j the reciprocal
// field at site j, so W gets -sym(mu ⊗ E). Adds that for sites with their k-space fields.
inline void add_dipole_virial(const CoulombSites& sites, const std::vector<Vec3>& field_k,
                              Mat3& virial) {
  if (!sites.dipoles) return;
  Mat3 g = Mat3::Zero();
  for (std::size_t i = 0; i < sites.size; ++i) g += sites.dipoles[i] * field_k[i].transpose();
  virial -= 0.5 * (g + g.transpose());
}

// The neutralising background of a non-neutral cell, -pi Q^2/(2 V alpha^2) per Coulomb
// constant; its site potential is dE/dq_i = -pi Q/(V alpha^2), its virial +E (E ∝ 1/V).
inline double background_energy(double total_charge, double volume, double alpha) {
  constexpr double pi = 3.14159265358979323846;
  return -pi * total_charge * total_charge / (2.0 * volume * alpha * alpha);
}
inline double background_potential(double total_charge, double volume, double alpha) {
  constexpr double pi = 3.14159265358979323846;
  return -pi * total_charge / (volume * alpha * alpha);
}

std::unique_ptr<KSpace> make_ewald(const CoulombParameters& p, const Mat3& cell);
std::unique_ptr<KSpace> make_pme(const CoulombParameters& p, const Mat3& cell);

}  // namespace lnet::infer::coulomb_detail
