// Ewald summation for periodic triclinic cells: reciprocal-space sum over explicit k-vectors.
#pragma once
#include "lnet/electrostatics/electrostatics.hpp"

namespace lnet::es::detail {

// Integer k-vectors m (k = 2 pi m h^-T) of one half space (the other follows from S(-k) = S(k)*)
// with |m_a| <= kmax_a and |k| <= k_cut, k_cut = min_a 2 pi kmax_a / |a_a| (the largest sphere
// the box of integer vectors contains). Returned as [K,3] in the positions' dtype.
torch::Tensor half_space_kvectors(const torch::Tensor& cell, const std::array<int, 3>& kmax);

// (2 pi / V) sum_{k != 0} exp(-k^2/4 alpha^2) / k^2 |S(k)|^2, S(k) = sum_j (q_j + i mu_j.k)
// exp(i k.r_j); without the Coulomb constant. Differentiable in positions, cell, q and mu.
torch::Tensor ewald_reciprocal_energy(const Sites& sites, double alpha,
                                      const std::array<int, 3>& kmax);

}  // namespace lnet::es::detail
