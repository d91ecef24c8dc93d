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

struct LayerShape {
  int l_in = 0;   // highest degree of the input features
  int l_sh = 2;   // highest degree of the edge harmonics and of A
  int l_out = 1;  // highest degree kept in the output features
  int channels = 32;
  int correlation = 3;  // body order of the product basis (1..3)
  int num_species = 1;
  int num_basis = 8;
  int radial_hidden = 64;
  double avg_neighbors = 1.0;  // messages are divided by this (set from the training data)
};

class InteractionLayerImpl : public torch::nn::Module {
 public:
  explicit InteractionLayerImpl(const LayerShape& shape);
  Irreps forward(const Irreps& h, const Edges& edges, const torch::Tensor& species);

 private:
  LayerShape shape_;
  std::vector<infer::MessagePath> paths_;  // infer::message_paths: the radial MLP's output order
  EquivariantLinear up_{nullptr}, mix_{nullptr}, out_{nullptr}, skip_{nullptr};
  RadialMlp radial_{nullptr};
  ProductBasis product_{nullptr};
};
TORCH_MODULE(InteractionLayer);

}  // namespace lnet::nn
