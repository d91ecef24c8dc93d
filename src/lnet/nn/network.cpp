#include "lnet/nn/network.hpp"

#include "lnet/core/error.hpp"
#include "lnet/nn/spherical.hpp"

namespace lnet::nn {

EquivariantNetworkImpl::EquivariantNetworkImpl(const infer::NetworkSpec& spec, int num_species,
                                               double avg_neighbors, int l_final)
    : spec_(spec), num_species_(num_species) {
  if (auto q = infer::find_problem(spec, "network"))
    throw Error("EquivariantNetwork: " + q->field + ": " + q->what);
  if (l_final < 0 || l_final > spec.l_max)
    throw Error("EquivariantNetwork: the output degree " + std::to_string(l_final) +
                " exceeds l_max " + std::to_string(spec.l_max));
  embedding_ = register_parameter("embedding", torch::randn({num_species, spec.channels}));
  basis_ = register_module("basis", RadialBasis(spec.cutoff, spec.num_basis, spec.envelope_p));
  for (int t = 0; t < spec.layers; ++t)
    layers_.push_back(register_module("layer" + std::to_string(t),
                                      InteractionLayer(spec, infer::layer_degrees(spec, t, l_final),
                                                       num_species, avg_neighbors)));
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
  edges.sh = spherical_harmonics(vectors, spec_.l_max);
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
