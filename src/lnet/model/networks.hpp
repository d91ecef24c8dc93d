// Network A (short-range energies) and network B (dipoles and charge corrections), both built
// on the equivariant network of nn/ with their own cutoff and width (DESIGN.md §1).
#pragma once
#include "lnet/model/model_config.hpp"
#include "lnet/nn/network.hpp"

namespace lnet {

// Per-atom energies eps_i = e0(Z_i) + scale * sum_t readout_t(h_t^(l=0)); the readout of the
// last layer is a small MLP, the others are linear (as MACE).
class ShortRangeNetworkImpl : public torch::nn::Module {
 public:
  explicit ShortRangeNetworkImpl(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& species, const torch::Tensor& vectors,
                        const torch::Tensor& sender, const torch::Tensor& receiver);

 private:
  nn::EquivariantNetwork net_{nullptr};
  std::vector<torch::Tensor> linear_;  // [C, 1] per layer but the last
  torch::Tensor mlp1_, mlp2_;          // last-layer readout C -> 16 -> 1
  torch::Tensor e0_;                   // buffer [num_species]
  double scale_;
};
TORCH_MODULE(ShortRangeNetwork);

struct PolarizationOutputs {
  torch::Tensor s;      // [N] charge-transfer scalar
  torch::Tensor mu;     // [N, 3] permanent dipoles, e·Å
  torch::Tensor alpha;  // [N] or [N,3,3] (anisotropic) e·Å²/V; undefined if not polarizable
};

// Dipoles mu_i (l = 1 readout, equivariant by construction) and a scalar per atom s_i (l = 0
// readout) that drives the charge transfer between neighbours (see potential.cpp). Polarizable
// models add an isotropic polarizability per atom,
//   alpha_i = alpha_max(sigma_i) · sigmoid(b_{Z_i} + sum_t w_t·h_t^(l=0)),
// positive by construction and below the bound alpha_max(sigma) = 6 sqrt(pi) sigma³ / k_e under
// which the induction matrix is positive definite for every geometry (no polarization
// catastrophe, electrostatics/induction.hpp). The per-species offsets b_Z start at
// alpha = alpha_max / 5. Anisotropic models add the l = 2 readout of the last layer as a
// symmetric traceless B_i (equivariant: B(R) = R B R^T) and bound it smoothly,
//   alpha_i = (2/3) alpha_max(sigma_i) sigmoid(...) (1 + kappa B_i / sqrt(1 + |B_i|_F²)),
// kappa = sqrt(3/8): the eigenvalues of the bracket lie in (1/2, 3/2) (a traceless symmetric 3×3
// has |eigenvalues| <= sqrt(2/3) |B|_F), so alpha_i stays positive definite and below alpha_max.
class PolarizationNetworkImpl : public torch::nn::Module {
 public:
  explicit PolarizationNetworkImpl(const ModelConfig& config);
  // `alpha_max` [N] per atom (polarizable models; undefined otherwise).
  PolarizationOutputs forward(const torch::Tensor& species, const torch::Tensor& vectors,
                              const torch::Tensor& sender, const torch::Tensor& receiver,
                              const torch::Tensor& alpha_max = {});

 private:
  nn::EquivariantNetwork net_{nullptr};
  std::vector<torch::Tensor> charge_, dipole_;  // [C, 1] per layer that carries the degree
  std::vector<torch::Tensor> polar_;            // [C, 1] per layer (polarizable only)
  torch::Tensor polar_bias_;                    // [num_species] (polarizable only)
  torch::Tensor polar_l2_;                      // [C, 1] last layer (anisotropic only)
};
TORCH_MODULE(PolarizationNetwork);

}  // namespace lnet
