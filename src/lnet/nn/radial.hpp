// Radial part of the message: Bessel basis times a smooth polynomial cutoff envelope, then a
// small bias-free MLP (MACE, Batatia et al. 2022, eq. 8; DimeNet envelope, Gasteiger 2020 eq. 8).
#pragma once
#include "lnet/pch/torch_pch.hpp"

namespace lnet::nn {

// e_n(r) = sqrt(2/rc) sin(n pi r / rc) / r * u(r / rc), n = 1..num_basis, with the envelope
// u(x) = 1 - (p+1)(p+2)/2 x^p + p(p+2) x^(p+1) - p(p+1)/2 x^(p+2) for x < 1 and 0 beyond,
// which goes to zero at the cutoff with p - 1 continuous derivatives... (C^2 for p >= 3).
class RadialBasisImpl : public torch::nn::Module {
 public:
  RadialBasisImpl(double cutoff, int num_basis, int envelope_p);
  torch::Tensor forward(const torch::Tensor& r);  // [E] -> [E, num_basis]
  double cutoff() const { return cutoff_; }
  int num_basis() const { return num_basis_; }

 private:
  double cutoff_;
  int num_basis_, p_;
};
TORCH_MODULE(RadialBasis);

// Bias-free MLP with SiLU: zero input gives zero output, so the radial weights vanish with the
// envelope at the cutoff and the energy stays smooth there.
class RadialMlpImpl : public torch::nn::Module {
 public:
  RadialMlpImpl(int in, int hidden, int num_hidden_layers, int out);
  torch::Tensor forward(torch::Tensor x);

 private:
  std::vector<torch::Tensor> weights_;
};
TORCH_MODULE(RadialMlp);

}  // namespace lnet::nn
