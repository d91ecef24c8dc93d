// Message and product-basis paths, shared with the reference modules (nn/interaction.cpp,
// nn/equivariant.cpp): the order fixes the layout of the radial MLP's output and the names of
// the product weights.
#include <string>

#include "lnet/infer/spherical.hpp"
#include "lnet/infer/weights.hpp"

namespace lnet::infer {

std::vector<MessagePath> message_paths(int l_in, int l_sh) {
  std::vector<MessagePath> out;
  for (int l1 = 0; l1 <= l_in; ++l1)
    for (int l2 = 0; l2 <= l_sh; ++l2)
      for (int l3 = 0; l3 <= l_sh; ++l3)
        if (coupling_allowed(l1, l2, l3)) out.push_back({l1, l2, l3});
  return out;
}

std::vector<ProductPath> product_paths(int lmax_in, int lmax_out, int correlation) {
  std::vector<ProductPath> out;
  auto add = [&](int l1, int l2, int lk, int l3, int l, int order) {
    std::string name = "p" + std::to_string(order) + "_" + std::to_string(l1) + std::to_string(l2) +
                       std::to_string(lk) + std::to_string(l3) + std::to_string(l);
    out.push_back({l1, l2, lk, l3, l, order, name});
  };
  for (int l = 0; l <= lmax_out; ++l) {
    add(l, 0, 0, 0, l, 1);
    if (correlation < 2) continue;
    for (int l1 = 0; l1 <= lmax_in; ++l1)
      for (int l2 = l1; l2 <= lmax_in; ++l2)
        if (coupling_allowed(l1, l2, l)) add(l1, l2, l, 0, l, 2);
    if (correlation < 3) continue;
    for (int l1 = 0; l1 <= lmax_in; ++l1)
      for (int l2 = l1; l2 <= lmax_in; ++l2)
        for (int lk = 0; lk <= lmax_in; ++lk)
          for (int l3 = 0; l3 <= lmax_in; ++l3)
            if (coupling_allowed(l1, l2, lk) && coupling_allowed(lk, l3, l))
              add(l1, l2, lk, l3, l, 3);
  }
  return out;
}

}  // namespace lnet::infer
