// The whole lnet potential through the inference engine (DESIGN.md §1):
//   E_tot = sum_i eps_i (network A) + (1/eps_s) E_es[q, mu] (network B) - E·M,
// with forces and virial from the hand-written reverse passes of networks A and B. The
// electrostatic energy itself is supplied by the caller (a callback giving E_es, the site
// potentials dE/dq, the fields -dE/dmu, and forces and virial at fixed q and mu), so this
// library stays torch-free; the engine brings dE/dq and dE/dmu back through network B.
#pragma once
#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "lnet/core/neighbor_list.hpp"
#include "lnet/core/structure.hpp"
#include "lnet/infer/electrostatics_result.hpp"
#include "lnet/infer/network.hpp"
#include "lnet/infer/weights.hpp"

namespace lnet::infer {

// The caller's electrostatics for given charges and dipoles (electrostatics_result.hpp).
using ElectrostaticsFn =
    std::function<ElectrostaticsResult(const std::vector<double>& q, const std::vector<Vec3>& mu)>;

struct Input {
  std::vector<int> species;               // species index per atom
  std::vector<Vec3> positions;            // as given (unwrapped in MD: M and -E·M use them)
  Mat3 cell = Mat3::Zero();               // rows are lattice vectors
  const NeighborList* edges_a = nullptr;  // pairs within network A's cutoff, sorted by receiver
  const NeighborList* edges_b = nullptr;  // within network B's cutoff (long range)
  Vec3 efield = Vec3::Zero();             // V/Å
  bool forces = true, virial = false;
  // Per-atom virials (Output::atom_virials); per-atom energies are always given.
  bool atom_virials = false;
  // MPI domain decomposition: atoms [0, num_local) are this process's own, the rest
  // are ghosts (other processes' atoms or periodic images, at explicit positions; cell zero, no
  // shifts) within the ghost cutoff of ghost_cutoff(). Only local atoms contribute energies,
  // Born dipole and field coupling, and only their site potentials and fields (which the
  // electrostatics must give, zero for ghosts) are brought back through network B; forces come
  // out on local AND ghost atoms, for the caller to sum onto the owners. -1: all atoms local.
  int num_local = -1;
  // Positions of the local atoms for the Born dipole and -E·M (unwrapped in MD) when they differ
  // from `positions` (ghost-consistent, wrapped); null: `positions`.
  const std::vector<Vec3>* dipole_positions = nullptr;
};

struct Output {
  double energy = 0;
  // Per-atom energies (eV; local atoms, zero for ghosts), summing to `energy` to rounding:
  // eps_i of network A, the site's share 1/2 (q_i V_i - mu_i·F_i) / eps_s of the electrostatic
  // energy (exact: E_es is quadratic in q and mu, so E_es = 1/2 sum_i (q_i V_i - mu_i·F_i) with
  // V = dE/dq and F = -dE/dmu), and the field term -E·m_i of the site's part of M.
  std::vector<double> atom_energies;
  std::vector<Vec3> forces;
  std::optional<Mat3> virial;
  // Long range only (with ghosts, the charges and dipoles of ghost atoms are this process's
  // estimate from an incomplete neighbourhood: the caller replaces them by their owners' values
  // before the electrostatics, and the Born dipole is this process's share):
  std::vector<double> charges;
  std::vector<Vec3> dipoles;
  std::optional<Vec3> dipole;  // Born dipole M
  // When Input::atom_virials: per-atom virials (eV; local and ghost atoms, a ghost's belongs to
  // its owner) summing to `virial` to rounding. Each edge of networks A and B gives half of its
  // -sym(r_ij ⊗ dE/dr_ij) to each of i and j; the field coupling of q0_i to atom i; the virial of
  // the electrostatics at fixed charges and dipoles (the solver gives only its total) in equal
  // shares to the local atoms (to all atoms where there are none).
  std::vector<Mat3> atom_virials;
};

// r_ij = r_j - r_i + shift · cell for every pair of `nl`, as the graph of a network. On
// S = Dual<T> (the training passes), each edge vector carries the tangent (dr_j - dr_i) +
// strain · r_ij of the positions' tangent `dr` (empty: none) and a strain of positions and cell;
// on a plain T they are ignored.
template <class S>
Graph<S> make_graph(const NeighborList& nl, const std::vector<int>& species,
                    const std::vector<Vec3>& positions, const Mat3& cell,
                    const std::vector<Vec3>& dr = {}, const Mat3& strain = Mat3::Zero());

template <class T>
class EngineModel {
 public:
  explicit EngineModel(const ModelWeights& w, const NetworkOptions& options = {});
  ~EngineModel();
  // `es` is used for long-range models only.
  Output evaluate(const Input& in, const ElectrostaticsFn& es);
  const ModelWeights& weights() const { return w_; }
  // Domain decomposition: how far from a local atom the graphs need receivers, i.e. atoms whose
  // features enter the local atoms' energies, charges and dipoles: (layers - 1) × cutoff for
  // network A, and for network B one layer more with charge transfers (a charge depends on its
  // neighbours' features); {reach A, reach B (0 without long range)}.
  std::array<double, 2> receiver_reach() const;
  // The ghost shell around the local atoms: reach + cutoff of each network (the receivers'
  // neighbours).
  double ghost_cutoff() const;

 private:
  ModelWeights w_;
  std::unique_ptr<Network<T>> a_, b_;
};

extern template class EngineModel<float>;
extern template class EngineModel<double>;

}  // namespace lnet::infer
