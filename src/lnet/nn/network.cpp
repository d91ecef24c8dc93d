#include "lnet/nn/network.hpp"

#include "lnet/core/error.hpp"
#include "lnet/nn/spherical.hpp"

namespace lnet::nn {

EquivariantNetworkImpl::EquivariantNetworkImpl(const NetworkConfig& config, int num_species,
                                               double avg_neighbors, int l_final)
    : config_(config), num_species_(num_species) {
  if (config.l_max < 0 || config.l_max > kMaxL) throw Error("l_max must be in 0..3");
  if (config.layers < 1 || config.layers > 3) throw Error("layers must be 1..3");
  if (config.correlation < 1 || config.correlation > 3) throw Error("correlation must be 1..3");
  if (config.l_hidden > config.l_max || l_final > config.l_max)
    throw Error("l_hidden and the output degree must not exceed l_max");
  embedding_ = register_parameter("embedding", torch::randn({num_species, config.channels}));
  basis_ =
      register_module("basis", RadialBasis(config.cutoff, config.num_basis, config.envelope_p));
  for (int t = 0; t < config.layers; ++t) {
    LayerShape s;
    s.l_in = t == 0 ? 0 : config.l_hidden;
    s.l_sh = config.l_max;
    s.l_out = t + 1 == config.layers ? l_final : config.l_hidden;
    s.channels = config.channels;
    s.correlation = config.correlation;
    s.num_species = num_species;
    s.num_basis = config.num_basis;
    s.radial_hidden = config.radial_hidden;
    s.avg_neighbors = avg_neighbors;
    layers_.push_back(register_module("layer" + std::to_string(t), InteractionLayer(s)));
  }
}

std::vector<Irreps> EquivariantNetworkImpl::forward(const torch::Tensor& species,
                                                    const torch::Tensor& vectors,
                                                    const torch::Tensor& sender,
                                                    const torch::Tensor& receiver,
                                                    int64_t num_nodes) {
  Edges edges;
  edges.sender = sender;
  edges.receiver = receiver;
  edges.num_nodes = num_nodes;
  edges.sh = spherical_harmonics(vectors, config_.l_max);
  edges.radial = basis_->forward(vectors.norm(2, -1));
  Irreps h{embedding_.index_select(0, species).unsqueeze(1)};
  std::vector<Irreps> features;
  for (auto& layer : layers_) {
    h = layer->forward(h, edges, species);
    features.push_back(h);
  }
  return features;
}

}  // namespace lnet::nn
