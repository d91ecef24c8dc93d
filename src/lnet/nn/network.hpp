// The equivariant message-passing network shared by network A (energies) and network B
// (charges and dipoles): species embedding, radial basis, harmonics, and a stack of layers.
#pragma once
#include "lnet/nn/interaction.hpp"

namespace lnet::nn {

class EquivariantNetworkImpl : public torch::nn::Module {
 public:
  // `l_final`: highest degree the last layer must output (0 for energies, 1 for dipoles).
  // Throws lnet::Error for a spec out of range (infer::find_problem) or l_final > l_max.
  EquivariantNetworkImpl(const infer::NetworkSpec& spec, int num_species, double avg_neighbors,
                         int l_final);
  // Features after each layer. `vectors` [E, 3] are r_ij = r_j - r_i for edge (receiver i,
  // sender j); gradients flow back through them to positions and strain.
  std::vector<Irreps> forward(const torch::Tensor& species, const torch::Tensor& vectors,
                              const torch::Tensor& sender, const torch::Tensor& receiver,
                              int64_t num_nodes);
  const infer::NetworkSpec& spec() const { return spec_; }

 private:
  infer::NetworkSpec spec_;
  int num_species_;
  torch::Tensor embedding_;  // [num_species, C]
  RadialBasis basis_{nullptr};
  std::vector<InteractionLayer> layers_;
};
TORCH_MODULE(EquivariantNetwork);

}  // namespace lnet::nn
