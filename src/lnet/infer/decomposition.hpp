// MPI domain decomposition of the engine, written without MPI: a process evaluates
// the atoms it owns, [0, num_local), with ghost atoms around them at explicit positions (other
// processes' atoms and periodic images; Input::num_local in engine_model.hpp), and asks its peers
// through an Exchange for what it cannot compute alone. LAMMPS's pair style implements the
// Exchange with its ghost communication and MPI_Allreduce.
#pragma once
#include <vector>

#include "lnet/core/neighbor_list.hpp"
#include "lnet/infer/coulomb_kspace.hpp"
#include "lnet/infer/coulomb_sites.hpp"
#include "lnet/infer/engine_model.hpp"

namespace lnet::infer {

class Exchange {
 public:
  virtual ~Exchange() = default;
  // `values` holds `width` numbers per atom, local atoms first: sets those of every ghost atom
  // to its owner's (the local atom of some process that it is a copy of).
  virtual void forward(std::vector<double>& values, int width) = 0;
  // Element-wise sum over all processes, in place.
  virtual void sum(std::vector<double>& values) = 0;
  // True on exactly one process, which counts the global terms (k-space energy and virial).
  virtual bool root() const = 0;
};

// The electrostatics callback of a process (periodic methods, Ewald or PME):
//  - the charges and dipoles of ghosts are replaced by their owners' (Exchange::forward): a
//    process computes them from an incomplete neighbourhood;
//  - real space over `pairs` (an open list of local and ghost atoms covering real_cutoff around
//    every local atom; potential and field for local atoms, half-weighted pair energies and
//    forces on both atoms of a pair, so that the sums over processes are the totals);
//  - the self term of the local atoms;
//  - k-space: every process spreads its local atoms, the buffers are summed (Exchange::sum),
//    every process solves and interpolates its local atoms; energy and virial of the solution
//    (global numbers) count on the root only.
// `positions`, `sigma` and `pairs` must outlive the callback.
ElectrostaticsFn decomposed_electrostatics(const CoulombParameters& p, KSpace& kspace,
                                           const std::vector<Vec3>& positions,
                                           const std::vector<double>& sigma, int num_local,
                                           const NeighborList& pairs, Exchange& exchange);

}  // namespace lnet::infer
