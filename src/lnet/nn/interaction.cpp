#include "lnet/nn/interaction.hpp"

#include "lnet/nn/spherical.hpp"

namespace lnet::nn {

InteractionLayerImpl::InteractionLayerImpl(const infer::NetworkSpec& spec,
                                           const infer::LayerDegrees& degrees, int num_species,
                                           double avg_neighbors)
    : spec_(spec),
      degrees_(degrees),
      avg_neighbors_(avg_neighbors),
      paths_(infer::message_paths(degrees.l_in, degrees.l_sh)) {
  const int c = spec.channels;
  up_ = register_module("up", EquivariantLinear(degrees.l_in, c, c));
  radial_ = register_module("radial", RadialMlp(spec.num_basis, spec.radial_hidden, 3,
                                                static_cast<int>(paths_.size()) * c));
  mix_ = register_module("mix", EquivariantLinear(degrees.l_sh, c, c));
  product_ = register_module(
      "product", ProductBasis(degrees.l_sh, degrees.l_out, spec.correlation, num_species, c));
  out_ = register_module("out", EquivariantLinear(degrees.l_out, c, c));
  skip_ = register_module("skip", EquivariantLinear(std::min(degrees.l_in, degrees.l_out), c, c));
}

Irreps InteractionLayerImpl::forward(const Irreps& h, const Edges& edges,
                                     const torch::Tensor& species) {
  const int64_t c = spec_.channels, ne = edges.sender.size(0);
  Irreps up = up_->forward(h);
  Irreps hj(up.size());
  for (std::size_t l = 0; l < up.size(); ++l)
    if (up[l].defined()) hj[l] = up[l].index_select(0, edges.sender);
  const auto np = static_cast<int64_t>(paths_.size());
  // [E, paths, C]; E may be 0. unbind once: per-path select() would make every path's backward
  // write a zero-filled [E, paths, C] gradient (measured as 15% of a step).
  auto weights = radial_->forward(edges.radial).reshape({ne, np, c}).unbind(1);

  Irreps a(degrees_.l_sh + 1);
  for (std::size_t p = 0; p < paths_.size(); ++p) {
    const auto [l1, l2, l3] = paths_[p];
    if (!hj[l1].defined()) continue;
    const int64_t m1 = 2 * l1 + 1, m2 = 2 * l2 + 1, m3 = 2 * l3 + 1;
    // G[e, m1, m3] = sum_m2 C[m1, m2, m3] Y_l2[e, m2]: contract the harmonic first (cheap), then
    // one batched matrix product with the sender features.
    auto cg =
        coupling(l1, l2, l3, edges.radial.scalar_type()).permute({1, 0, 2}).reshape({m2, m1 * m3});
    auto g = edges.sh[l2].matmul(cg).reshape({ne, m1, m3});
    auto msg = torch::bmm(g.transpose(1, 2), hj[l1]) * weights[p].unsqueeze(1);
    a[l3] = a[l3].defined() ? a[l3] + msg : msg;
  }
  for (auto& al : a) {
    if (!al.defined()) continue;
    al = torch::zeros({edges.num_nodes, al.size(1), c}, al.options())
             .index_add(0, edges.receiver, al) /
         avg_neighbors_;
  }
  a = mix_->forward(a);
  Irreps out = out_->forward(product_->forward(a, species));
  Irreps skip = skip_->forward(h);
  for (std::size_t l = 0; l < skip.size() && l < out.size(); ++l)
    if (skip[l].defined()) out[l] = out[l] + skip[l];
  return out;
}

}  // namespace lnet::nn
