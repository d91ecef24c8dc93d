#include "lnet/nn/equivariant.hpp"

#include <cmath>
#include <map>
#include <tuple>

#include "lnet/infer/weights.hpp"
#include "lnet/nn/spherical.hpp"

namespace lnet::nn {

torch::Tensor channelwise_product(const torch::Tensor& x, const torch::Tensor& y, int l1, int l2,
                                  int l3) {
  auto c = coupling(l1, l2, l3, x.scalar_type()).to(x.device());  // [M1, M2, M3]
  const int64_t m1 = 2 * l1 + 1, m2 = 2 * l2 + 1, m3 = 2 * l3 + 1;
  auto outer = (x.unsqueeze(2) * y.unsqueeze(1)).reshape({x.size(0), m1 * m2, x.size(2)});
  return torch::matmul(c.reshape({m1 * m2, m3}).t(), outer);  // [N, M3, C]
}

EquivariantLinearImpl::EquivariantLinearImpl(int lmax, int channels_in, int channels_out) {
  for (int l = 0; l <= lmax; ++l)
    weights_.push_back(
        register_parameter("w" + std::to_string(l),
                           torch::randn({channels_in, channels_out}) / std::sqrt(channels_in)));
}

Irreps EquivariantLinearImpl::forward(const Irreps& x) {
  Irreps out(weights_.size());
  for (std::size_t l = 0; l < weights_.size() && l < x.size(); ++l)
    if (x[l].defined()) out[l] = x[l].matmul(weights_[l]);
  return out;
}

ProductBasisImpl::ProductBasisImpl(int lmax_in, int lmax_out, int correlation, int num_species,
                                   int channels)
    : lmax_in_(lmax_in), lmax_out_(lmax_out) {
  // The paths and parameter names of infer::product_paths (one enumeration for both).
  for (const infer::ProductPath& q : infer::product_paths(lmax_in, lmax_out, correlation)) {
    // Higher orders start smaller so the initial model is dominated by the linear term.
    const double scale = q.order == 1 ? 1.0 : (q.order == 2 ? 0.3 : 0.1);
    torch::Tensor w = register_parameter(q.name, torch::randn({num_species, channels}) * scale);
    paths_.push_back({q.l1, q.l2, q.lk, q.l3, q.l, q.order, w});
  }
}

Irreps ProductBasisImpl::forward(const Irreps& a, const torch::Tensor& species) {
  // Second-order products are shared between the nu = 2 and nu = 3 paths: compute each once.
  std::map<std::tuple<int, int, int>, torch::Tensor> pairs;
  auto pair = [&](int l1, int l2, int lk) -> const torch::Tensor& {
    auto key = std::make_tuple(l1, l2, lk);
    auto it = pairs.find(key);
    if (it == pairs.end())
      it = pairs.emplace(key, channelwise_product(a[l1], a[l2], l1, l2, lk)).first;
    return it->second;
  };
  Irreps out(lmax_out_ + 1);
  for (const Path& p : paths_) {
    torch::Tensor term;
    if (p.order == 1)
      term = a[p.l];
    else if (p.order == 2)
      term = pair(p.l1, p.l2, p.l);
    else
      term = channelwise_product(pair(p.l1, p.l2, p.lk), a[p.l3], p.lk, p.l3, p.l);
    term = term * p.weight.index_select(0, species).unsqueeze(1);
    out[p.l] = out[p.l].defined() ? out[p.l] + term : term;
  }
  return out;
}

}  // namespace lnet::nn
