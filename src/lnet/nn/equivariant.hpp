// Equivariant building blocks on features stored per degree l as tensors [N, 2l+1, C]
// (N nodes, C channels). Operations act on the channel index only or couple degrees through
// the coefficients of spherical.hpp, so they commute with rotations.
#pragma once
#include <vector>

#include "lnet/pch/torch_pch.hpp"

namespace lnet::nn {

// features[l] is [N, 2l+1, C], or undefined when degree l is absent.
using Irreps = std::vector<torch::Tensor>;

// out[n, m3, c] = sum_{m1, m2} C[m1, m2, m3] x[n, m1, c] y[n, m2, c]  (channel-wise product).
torch::Tensor channelwise_product(const torch::Tensor& x, const torch::Tensor& y, int l1, int l2,
                                  int l3);

// Channel mixing within each degree, no bias for l > 0 (a bias would break equivariance).
class EquivariantLinearImpl : public torch::nn::Module {
 public:
  EquivariantLinearImpl(int lmax, int channels_in, int channels_out);
  Irreps forward(const Irreps& x);

 private:
  std::vector<torch::Tensor> weights_;
};
TORCH_MODULE(EquivariantLinear);

// Symmetric product basis of MACE (Batatia et al. 2022, eqs. 10-11): for each output degree
// l <= lmax_out, B_l = sum over couplings of A up to `correlation` factors (1..3), each coupling
// path weighted per species and channel. Intermediate degrees are kept <= lmax_in.
class ProductBasisImpl : public torch::nn::Module {
 public:
  ProductBasisImpl(int lmax_in, int lmax_out, int correlation, int num_species, int channels);
  Irreps forward(const Irreps& a, const torch::Tensor& species);

 private:
  struct Path {
    int l1, l2, lk, l3, l;  // nu = 2: (l1, l2) -> l; nu = 3: ((l1, l2) -> lk, l3) -> l
    int order;
    torch::Tensor weight;  // [num_species, C]
  };
  std::vector<Path> paths_;
  int lmax_in_, lmax_out_;
};
TORCH_MODULE(ProductBasis);

}  // namespace lnet::nn
