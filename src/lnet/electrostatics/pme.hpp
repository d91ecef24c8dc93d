// Smooth particle-mesh Ewald (Essmann et al., J. Chem. Phys. 103, 8577 (1995)) for Gaussian
// charges and point-like dipoles on the reciprocal side; the real-space part is shared with Ewald.
#pragma once
#include "lnet/electrostatics/electrostatics.hpp"

namespace lnet::es::detail {

// Approximates ewald_reciprocal_energy(): charges and dipoles are spread on a K0 x K1 x K2 mesh
// with cardinal B-splines of `order` (dipoles through the spline derivative, mu . grad), the
// structure factor comes from a real-to-complex FFT (torch::fft, so autograd differentiates it
// to any order), and the Ewald kernel is divided by the B-spline moduli |b(m)|^2 (Essmann eq. 4.4).
// Without the Coulomb constant.
torch::Tensor pme_reciprocal_energy(const Sites& sites, double alpha,
                                    const std::array<int, 3>& mesh, int order);

}  // namespace lnet::es::detail
