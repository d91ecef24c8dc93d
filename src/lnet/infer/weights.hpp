// Plain weight structs of networks A and B for the inference engine (no torch): filled from a
// trained lnet::Potential by src/lnet/model/infer_weights.cpp, read by the engine in float or
// double. Shapes follow the reference modules of src/lnet/nn and src/lnet/model/networks.cpp.
#pragma once
#include <string>
#include <vector>

#include "lnet/infer/network_spec.hpp"

namespace lnet::infer {

// Row-major matrix of doubles; x (1 x rows) times it gives (1 x cols), as torch's x.matmul(w).
struct Matrix {
  int rows = 0, cols = 0;
  std::vector<double> data;
  double operator()(int r, int c) const { return data[static_cast<std::size_t>(r) * cols + c]; }
};

// One interaction layer (nn::InteractionLayerImpl) with its degrees (layer_degrees of the spec).
struct LayerWeights : LayerDegrees {
  std::vector<Matrix> up, mix, out, skip;  // per degree, [C, C]
  std::vector<Matrix> radial;              // radial MLP: [nb, H], [H, H], [H, H], [H, P*C]
  std::vector<Matrix> product;             // per product path (product_paths order): [S, C]
};

// One equivariant network (nn::EquivariantNetworkImpl) with its hyperparameters and what the
// training set fixed (species, the neighbour count messages are divided by).
struct NetworkWeights {
  NetworkSpec spec;
  int num_species = 1;
  double avg_neighbors = 1.0;
  Matrix embedding;  // [S, C]
  std::vector<LayerWeights> layers;
};

// Network A with its readouts (ShortRangeNetworkImpl): eps_i = e0 + scale * readouts.
struct ShortRangeWeights {
  NetworkWeights net;
  std::vector<Matrix> linear;  // [C, 1] per layer but the last
  Matrix mlp1, mlp2;           // [C, 16], [16, 1]
  std::vector<double> e0;      // per species
  double scale = 1.0;
};

// Network B with its readouts (PolarizationNetworkImpl): s_i and mu_i.
struct PolarizationWeights {
  NetworkWeights net;
  std::vector<Matrix> charge;  // [C, 1] per layer
  std::vector<Matrix> dipole;  // [C, 1] per layer that carries l = 1
};

// Everything the engine needs of a model (DESIGN.md §1).
struct ModelWeights {
  ShortRangeWeights a;
  bool long_range = false;
  PolarizationWeights b;       // when long_range
  bool learn_charges = false;  // charge transfers along network B's bonds
  std::vector<double> q0;      // nominal charge per species
  std::vector<double> sigma;   // Gaussian width per species (for the electrostatics)
  double epsilon_s = 1.0;
};

// Message paths (l1, l2, l3) of a layer in the reference order (the radial MLP's output is
// [paths, C] in this order).
struct MessagePath {
  int l1, l2, l3;
};
std::vector<MessagePath> message_paths(int l_in, int l_sh);

// Product-basis paths in the reference order (nn::ProductBasisImpl): order 1: l; order 2:
// (l1, l2) -> l; order 3: ((l1, l2) -> lk, l3) -> l. `name` is the reference parameter name.
struct ProductPath {
  int l1, l2, lk, l3, l, order;
  std::string name;
};
std::vector<ProductPath> product_paths(int lmax_in, int lmax_out, int correlation);

}  // namespace lnet::infer
