// Radial kernels and pair energies shared by the Ewald, PME and direct-sum solvers
// (DESIGN.md §1). Internal to lnet_electrostatics.
#pragma once
#include "lnet/electrostatics/electrostatics.hpp"

namespace lnet::es::detail {

// B0 = f(r), B1 = -(1/r) dB0/dr, B2 = -(1/r) dB1/dr of a radial kernel f, evaluated per pair.
// b1 and b2 are undefined when no dipoles are present (charge-charge energies need only B0).
struct Radial {
  torch::Tensor b0, b1, b2;
};

// Gaussian-pair kernel widths: g2_ij = s_i^2 + s_j^2 (undefined when sigma is undefined).
torch::Tensor pair_width2(const torch::Tensor& sigma, const torch::Tensor& i,
                          const torch::Tensor& j);

// Ewald real-space kernel phi_ij(r) - erf(alpha r)/r = erfc(alpha r)/r - erfc(r/(sqrt2 g))/r.
Radial ewald_real_kernel(const torch::Tensor& r, double alpha, const torch::Tensor& g2,
                         bool dipoles);
// Full Gaussian kernel erf(r/(sqrt2 g))/r (1/r for point sites), for the direct sum.
Radial gaussian_kernel(const torch::Tensor& r, const torch::Tensor& g2, bool dipoles);

// Per-pair energies q_i q_j B0 + B1 (q_j mu_i.r - q_i mu_j.r) + B1 mu_i.mu_j - B2 (mu_i.r)(mu_j.r)
// with r = r_j - r_i, without the Coulomb constant. Sites without charges/dipoles pass undefined.
torch::Tensor pair_energy(const Radial& b, const torch::Tensor& rvec, const torch::Tensor& qi,
                          const torch::Tensor& qj, const torch::Tensor& mui,
                          const torch::Tensor& muj);

// Convenience: gathers q, mu, sigma for the pair lists (i, j) and sums the pair energies of the
// kernel chosen by `ewald_alpha` (> 0: Ewald real space, 0: full Gaussian kernel). With a
// real-space `cutoff` > 0 the charge-charge kernel B0 is shifted by its value at the cutoff, so
// that term goes to zero there and the energy stays continuous as pairs cross it. Without the
// shift, a lattice shell just outside the cutoff enters and leaves it coherently in MD: in
// 4096-atom NaCl (cutoff 13.32 Å, a like-charge shell at 13.34 Å) the conserved energy of NVE
// rose by 0.05 eV in 6 fs whatever the time step. The shift changes no force (B0(rc) is a
// constant) and keeps field = -grad(potential); it moves the energy by a truncation-sized
// amount. The charge-dipole and dipole-dipole terms are smaller and stay unshifted.
torch::Tensor sum_pairs(const Sites& sites, const torch::Tensor& i, const torch::Tensor& j,
                        const torch::Tensor& rvec, double ewald_alpha, double cutoff = 0);

// Ewald self term -alpha/sqrt(pi) sum q^2 - 2 alpha^3 / (3 sqrt(pi)) sum |mu|^2 (no Coulomb
// constant).
torch::Tensor ewald_self_energy(const Sites& sites, double alpha);
// Neutralising background -pi Q^2 / (2 V alpha^2) (no Coulomb constant); warns once if Q != 0.
torch::Tensor background_energy(const Sites& sites, double alpha);

// Cell volume |det h| as a differentiable 0-dim tensor.
torch::Tensor cell_volume(const torch::Tensor& cell);

}  // namespace lnet::es::detail
