// Open boundaries: direct pair sum without cutoff (DESIGN.md §1).
#pragma once
#include "lnet/electrostatics/electrostatics.hpp"

namespace lnet::es::detail {

// 1/2 sum_{i != j} of the full Gaussian kernel erf(r/(sqrt2 g))/r over all pairs (each pair once),
// without the Coulomb constant. O(N^2) memory and time: meant for molecules and clusters.
torch::Tensor direct_energy(const Sites& sites);

}  // namespace lnet::es::detail
