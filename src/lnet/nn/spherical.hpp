// Real spherical harmonics and their coupling coefficients (DESIGN.md §1, network A/B).
//
// Basis: real spherical harmonics with "component" normalisation, sum_m Y_lm(r)^2 = 2l+1 on the
// unit sphere, i.e. sqrt(4 pi) times the orthonormal real harmonics. The l = 1 components are
// ordered (x, y, z) so an l = 1 feature is a Cartesian vector; l = 2, 3 follow m = -l..l.
// Features use the O(3) natural parity (-1)^l, so only couplings with l1 + l2 + l3 even occur;
// their coefficients are the real Gaunt integrals <Y_l1 Y_l2 Y_l3> over the sphere, which are the
// Clebsch–Gordan coefficients of this real basis up to normalisation.
#pragma once
#include <vector>

#include "lnet/pch/torch_pch.hpp"

namespace lnet::nn {

inline constexpr int kMaxL = 3;

// Y_l(v / |v|) for l = 0..lmax: result[l] has shape [E, 2l+1]. `vectors` is [E, 3], nonzero.
std::vector<torch::Tensor> spherical_harmonics(const torch::Tensor& vectors, int lmax);

// True when l1 x l2 -> l3 is an allowed parity-preserving coupling.
bool coupling_allowed(int l1, int l2, int l3);

// Coupling tensor C[m1, m2, m3] of shape [2l1+1, 2l2+1, 2l3+1], scaled so that
// sum C^2 = 2 l3 + 1 (the identity for l1 = 0). Equivariant: sum D1 D2 C D3^T = C.
torch::Tensor coupling(int l1, int l2, int l3, torch::Dtype dtype);

// Real Wigner matrix D^l(R) with Y_l(R v) = D^l(R) Y_l(v), found by least squares on sample
// points. For tests and analysis (rotating features), not for the hot path.
torch::Tensor wigner_d(int l, const torch::Tensor& rotation);

}  // namespace lnet::nn
