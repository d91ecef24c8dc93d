// The whole lnet potential through the inference engine (DESIGN.md §1, issue 10):
//   E_tot = sum_i eps_i (network A) + (1/eps_s) E_es[q, mu] (network B) - E·M,
// with forces and virial from the hand-written reverse passes of networks A and B. The
// electrostatic energy itself is supplied by the caller (a callback giving E_es, the site
// potentials dE/dq, the fields -dE/dmu, and forces and virial at fixed q and mu), so this
// library stays torch-free; the engine brings dE/dq and dE/dmu back through network B.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "lnet/core/neighbor_list.hpp"
#include "lnet/core/structure.hpp"
#include "lnet/infer/network.hpp"
#include "lnet/infer/weights.hpp"

namespace lnet::infer {

// What the caller's electrostatics returns for given charges and dipoles (not yet divided by
// eps_s): energy (eV), potential_i = dE/dq_i (V), field_i = -dE/dmu_i (V/Å), forces (eV/Å) and
// virial W = -dE/d(strain) (eV) at fixed q and mu.
struct ElectrostaticsResult {
  double energy = 0;
  std::vector<double> potential;
  std::vector<Vec3> field, forces;
  Mat3 virial = Mat3::Zero();
};
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
};

struct Output {
  double energy = 0;
  std::vector<double> atom_energies;  // eps_i of network A
  std::vector<Vec3> forces;
  std::optional<Mat3> virial;
  // Long range only:
  std::vector<double> charges;
  std::vector<Vec3> dipoles;
  std::optional<Vec3> dipole;  // Born dipole M
};

// r_ij = r_j - r_i + shift · cell for every pair of `nl`, as the graph of a network.
template <class T>
Graph<T> make_graph(const NeighborList& nl, const std::vector<int>& species,
                    const std::vector<Vec3>& positions, const Mat3& cell);

template <class T>
class Potential {
 public:
  explicit Potential(const ModelWeights& w, const NetworkOptions& options = {});
  ~Potential();
  // `es` is used for long-range models only.
  Output evaluate(const Input& in, const ElectrostaticsFn& es);
  const ModelWeights& weights() const { return w_; }

 private:
  ModelWeights w_;
  std::unique_ptr<Network<T>> a_, b_;
};

extern template class Potential<float>;
extern template class Potential<double>;

}  // namespace lnet::infer
