// Ewald real-space sum over neighbour pairs within the cutoff (shared by Ewald and PME).
#pragma once
#include "lnet/electrostatics/electrostatics.hpp"

namespace lnet::es::detail {

// Pair list of a periodic structure, half of the full neighbour list: i < j, or i == j with a
// lexicographically positive image shift. Indices are int64, shifts have the positions' dtype.
struct PairList {
  torch::Tensor i, j, shifts;  // [P], [P], [P,3]
};
PairList half_pair_list(const Sites& sites, double cutoff);

// Displacements r_j - r_i + shift * cell, differentiable in positions and cell.
torch::Tensor pair_vectors(const Sites& sites, const PairList& pairs);

// sum over pairs and images (i == j only for nonzero images) of the real-space kernel
// phi_ij - erf(alpha r)/r, without the Coulomb constant.
torch::Tensor real_space_energy(const Sites& sites, double alpha, double cutoff);

}  // namespace lnet::es::detail
