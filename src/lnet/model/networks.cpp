#include "lnet/model/networks.hpp"

#include <cmath>
#include <stdexcept>

namespace lnet {

namespace {
torch::Tensor linear_weight(int in, int out) { return torch::randn({in, out}) / std::sqrt(in); }

// The symmetric traceless B [N,3,3] with n·B·n = sum_m c_m Y_2m(n) on the unit sphere, for l = 2
// components c [N,5] in the order of nn::spherical_harmonics (xy, yz, 3z²-1, xz, x²-y²).
// Equivariant: rotating c by D²(R) gives R B R^T.
torch::Tensor traceless_tensor(const torch::Tensor& c) {
  const double h15 = 0.5 * std::sqrt(15.0), h5 = 0.5 * std::sqrt(5.0);
  const auto xy = h15 * c.select(1, 0), yz = h15 * c.select(1, 1), xz = h15 * c.select(1, 3);
  const auto zz = h5 * c.select(1, 2), dxy = h15 * c.select(1, 4);
  return torch::stack({dxy - zz, xy, xz, xy, -dxy - zz, yz, xz, yz, 2 * zz}, 1).view({-1, 3, 3});
}
}  // namespace

ShortRangeNetworkImpl::ShortRangeNetworkImpl(const ModelConfig& config)
    : scale_(config.energy_scale) {
  const auto& h = config.network_a;
  const int ns = static_cast<int>(config.species.size());
  net_ = register_module("net", nn::EquivariantNetwork(h, ns, config.avg_neighbors_a, 0));
  for (int t = 0; t + 1 < h.layers; ++t)
    linear_.push_back(
        register_parameter("readout" + std::to_string(t), linear_weight(h.channels, 1)));
  mlp1_ = register_parameter("readout_mlp1", linear_weight(h.channels, 16));
  mlp2_ = register_parameter("readout_mlp2", linear_weight(16, 1));
  auto e0 = torch::zeros({ns}, torch::kFloat64);
  for (int s = 0; s < ns && s < static_cast<int>(config.e0.size()); ++s) e0[s] = config.e0[s];
  e0_ = register_buffer("e0", e0);
}

torch::Tensor ShortRangeNetworkImpl::forward(const torch::Tensor& species,
                                             const torch::Tensor& vectors,
                                             const torch::Tensor& sender,
                                             const torch::Tensor& receiver) {
  auto feats = net_->forward(species, vectors, sender, receiver, species.size(0));
  torch::Tensor out = torch::silu(feats.back()[0].squeeze(1).matmul(mlp1_)).matmul(mlp2_);
  for (std::size_t t = 0; t < linear_.size(); ++t)
    out = out + feats[t][0].squeeze(1).matmul(linear_[t]);
  return e0_.index_select(0, species) + scale_ * out.squeeze(-1);
}

PolarizationNetworkImpl::PolarizationNetworkImpl(const ModelConfig& config) {
  const auto& h = config.network_b;
  const int ns = static_cast<int>(config.species.size());
  const int l_final = config.anisotropic_polarizability ? 2 : 1;
  net_ = register_module("net", nn::EquivariantNetwork(h, ns, config.avg_neighbors_b, l_final));
  for (int t = 0; t < h.layers; ++t) {
    // Small initial outputs: the model starts close to the nominal-charge model.
    charge_.push_back(
        register_parameter("charge" + std::to_string(t), linear_weight(h.channels, 1) * 0.1));
    bool has_l1 = t + 1 == h.layers || h.l_hidden >= 1;
    if (has_l1)
      dipole_.push_back(
          register_parameter("dipole" + std::to_string(t), linear_weight(h.channels, 1) * 0.1));
  }
  // Registered after the existing parameters, and only when on: non-polarizable models keep
  // their parameter list (and model files) unchanged.
  if (config.polarizable) {
    for (int t = 0; t < h.layers; ++t)
      polar_.push_back(register_parameter("polarizability" + std::to_string(t),
                                          linear_weight(h.channels, 1) * 0.1));
    polar_bias_ = register_parameter("polarizability_bias",
                                     torch::full({ns}, std::log(0.25), torch::kFloat64));
    if (config.anisotropic_polarizability)
      polar_l2_ = register_parameter("polarizability_l2", linear_weight(h.channels, 1) * 0.1);
  }
}

PolarizationOutputs PolarizationNetworkImpl::forward(const torch::Tensor& species,
                                                     const torch::Tensor& vectors,
                                                     const torch::Tensor& sender,
                                                     const torch::Tensor& receiver,
                                                     const torch::Tensor& alpha_max) {
  auto feats = net_->forward(species, vectors, sender, receiver, species.size(0));
  torch::Tensor dq, mu, x;
  std::size_t k = 0;
  for (std::size_t t = 0; t < feats.size(); ++t) {
    auto scalars = feats[t][0].squeeze(1);
    auto q_t = scalars.matmul(charge_[t]).squeeze(-1);
    dq = dq.defined() ? dq + q_t : q_t;
    if (t < polar_.size()) {
      auto x_t = scalars.matmul(polar_[t]).squeeze(-1);
      x = x.defined() ? x + x_t : x_t;
    }
    if (feats[t].size() > 1 && feats[t][1].defined() && k < dipole_.size()) {
      auto mu_t = feats[t][1].matmul(dipole_[k++]).squeeze(-1);  // [N, 3]
      mu = mu.defined() ? mu + mu_t : mu_t;
    }
  }
  PolarizationOutputs out{dq, mu, {}};
  if (polar_bias_.defined()) {
    if (!alpha_max.defined()) throw std::logic_error("polarizability needs alpha_max per atom");
    out.alpha = alpha_max * torch::sigmoid(polar_bias_.index_select(0, species) + x);
    if (polar_l2_.defined()) {
      const auto& last = feats.back();
      if (last.size() < 3 || !last[2].defined())
        throw std::logic_error("anisotropic polarizability needs l = 2 features in network B");
      const torch::Tensor b = traceless_tensor(last[2].matmul(polar_l2_).squeeze(-1));
      const torch::Tensor norm2 = (b * b).sum({1, 2}, true);
      const auto eye = torch::eye(3, b.options()).unsqueeze(0);
      const double kappa = std::sqrt(3.0 / 8.0);
      out.alpha =
          (2.0 / 3.0) * out.alpha.view({-1, 1, 1}) * (eye + kappa * b * torch::rsqrt(1 + norm2));
    }
  }
  return out;
}

}  // namespace lnet
