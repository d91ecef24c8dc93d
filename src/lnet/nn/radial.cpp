#include "lnet/nn/radial.hpp"

#include <cmath>

namespace lnet::nn {

RadialBasisImpl::RadialBasisImpl(double cutoff, int num_basis, int envelope_p)
    : cutoff_(cutoff), num_basis_(num_basis), p_(envelope_p) {}

torch::Tensor RadialBasisImpl::forward(const torch::Tensor& r) {
  auto n = torch::arange(1, num_basis_ + 1, r.options());
  auto rr = r.unsqueeze(-1);
  auto bessel = std::sqrt(2.0 / cutoff_) * torch::sin(n * (M_PI / cutoff_) * rr) / rr;
  auto x = rr / cutoff_;
  const double p = p_;
  auto xp = x.pow(p);
  auto env = 1 - (p + 1) * (p + 2) / 2 * xp + p * (p + 2) * xp * x - p * (p + 1) / 2 * xp * x * x;
  env = env * (x < 1).to(r.scalar_type());
  return bessel * env;
}

RadialMlpImpl::RadialMlpImpl(int in, int hidden, int num_hidden_layers, int out) {
  int fan_in = in;
  for (int k = 0; k <= num_hidden_layers; ++k) {
    int fan_out = k == num_hidden_layers ? out : hidden;
    weights_.push_back(register_parameter("w" + std::to_string(k),
                                          torch::randn({fan_in, fan_out}) / std::sqrt(fan_in)));
    fan_in = fan_out;
  }
}

torch::Tensor RadialMlpImpl::forward(torch::Tensor x) {
  for (std::size_t k = 0; k < weights_.size(); ++k) {
    x = x.matmul(weights_[k]);
    // SiLU scaled by ~1/0.6 keeps activations of order one through the layers (as e3nn's
    // normalised activations).
    if (k + 1 < weights_.size()) x = torch::silu(x) * 1.679;
  }
  return x;
}

}  // namespace lnet::nn
