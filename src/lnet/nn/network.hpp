// The equivariant message-passing network shared by network A (energies) and network B
// (charges and dipoles): species embedding, radial basis, harmonics, and a stack of layers.
#pragma once
#include "lnet/nn/interaction.hpp"

namespace lnet::nn {

struct NetworkConfig {
  double cutoff = 5.0;  // Å
  int num_basis = 8;    // Bessel functions
  int envelope_p = 5;   // polynomial envelope exponent
  int l_max = 2;        // degree of the edge harmonics (0..3)
  int l_hidden = 1;     // degree kept in the features between layers
  int channels = 32;
  int correlation = 3;     // body order of the product basis (1..3)
  int layers = 2;          // 1..3 interaction layers
  int radial_hidden = 64;  // width of the radial MLP
};

class EquivariantNetworkImpl : public torch::nn::Module {
 public:
  // `l_final`: highest degree the last layer must output (0 for energies, 1 for dipoles).
  EquivariantNetworkImpl(const NetworkConfig& config, int num_species, double avg_neighbors,
                         int l_final);
  // Features after each layer. `vectors` [E, 3] are r_ij = r_j - r_i for edge (receiver i,
  // sender j); gradients flow back through them to positions and strain.
  std::vector<Irreps> forward(const torch::Tensor& species, const torch::Tensor& vectors,
                              const torch::Tensor& sender, const torch::Tensor& receiver,
                              int64_t num_nodes);
  const NetworkConfig& config() const { return config_; }

 private:
  NetworkConfig config_;
  int num_species_;
  torch::Tensor embedding_;  // [num_species, C]
  RadialBasis basis_{nullptr};
  std::vector<InteractionLayer> layers_;
};
TORCH_MODULE(EquivariantNetwork);

}  // namespace lnet::nn
