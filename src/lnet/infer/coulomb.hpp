// The whole Coulomb energy of Gaussian charges and dipoles in one process (DESIGN.md §1.5),
// torch-free with analytic derivatives: Ewald real space + reciprocal sum (Ewald or smooth
// PME) + self term + neutralising background for periodic cells, the direct sum for open ones.
// Equals es::Electrostatics::energy and es::evaluate with the same resolved parameters to
// rounding. MPI ranks compose the pieces (coulomb_real.hpp, coulomb_kspace.hpp) themselves.
#pragma once
#include <memory>

#include "lnet/core/neighbor_list.hpp"
#include "lnet/infer/coulomb_kspace.hpp"
#include "lnet/infer/coulomb_real.hpp"
#include "lnet/infer/coulomb_sites.hpp"
#include "lnet/infer/electrostatics_result.hpp"

namespace lnet::infer {

struct CoulombSolver;  // coulomb_solvers.hpp

class Coulomb {
 public:
  explicit Coulomb(const CoulombParameters& p);
  ~Coulomb();
  const CoulombParameters& parameters() const { return p_; }

  // Energy, potential, field, forces and virial of all `sites`. Periodic methods: `pairs` is a
  // full neighbour list of the sites with cutoff >= real_cutoff (e.g. a Verlet list; null:
  // built here); the k-space tables are rebuilt when `cell` differs from the last call's.
  // Direct (the registry's solver of open boundaries): `cell` and `pairs` unused.
  ElectrostaticsResult evaluate(const CoulombSites& sites, const Mat3& cell,
                                const NeighborList* pairs = nullptr);

 private:
  CoulombParameters p_;
  const CoulombSolver* solver_;  // the registry entry of p_.method
  std::unique_ptr<KSpace> kspace_;
  Mat3 kspace_cell_ = Mat3::Zero();
};

}  // namespace lnet::infer
