// One MACE-style message-passing layer (Batatia et al. 2022): equivariant messages
// R(r_ij) * CG(h_j, Y(r_ij)) summed over neighbours into A_i, then the symmetric product
// basis B_i of A_i up to the correlation order, a linear update and a residual connection.
#pragma once
#include "lnet/infer/weights.hpp"
#include "lnet/nn/equivariant.hpp"
#include "lnet/nn/radial.hpp"

namespace lnet::nn {

// Edge data shared by all layers of a network. Edge k carries a message from sender[k] (j) to
// receiver[k] (i) along r_ij = r_j - r_i.
struct Edges {
  torch::Tensor sender, receiver;  // [E] int64
  std::vector<torch::Tensor> sh;   // spherical harmonics of r_ij, per l: [E, 2l+1]
  torch::Tensor radial;            // [E, num_basis] radial basis incl. the cutoff envelope
  int64_t num_nodes = 0;
};

class InteractionLayerImpl : public torch::nn::Module {
 public:
  // `degrees` from infer::layer_degrees(spec, t, l_final); messages are divided by
  // `avg_neighbors` (set from the training data).
  InteractionLayerImpl(const infer::NetworkSpec& spec, const infer::LayerDegrees& degrees,
                       int num_species, double avg_neighbors);
  Irreps forward(const Irreps& h, const Edges& edges, const torch::Tensor& species);

 private:
  infer::NetworkSpec spec_;
  infer::LayerDegrees degrees_;
  double avg_neighbors_;
  std::vector<infer::MessagePath> paths_;  // infer::message_paths: the radial MLP's output order
  EquivariantLinear up_{nullptr}, mix_{nullptr}, out_{nullptr}, skip_{nullptr};
  RadialMlp radial_{nullptr};
  ProductBasis product_{nullptr};
};
TORCH_MODULE(InteractionLayer);

}  // namespace lnet::nn
