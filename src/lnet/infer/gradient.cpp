#include "lnet/infer/gradient.hpp"

#include <type_traits>

#include "lnet/core/error.hpp"
#include "lnet/infer/omp_threads.hpp"
#include "lnet/infer/weight_gradient.hpp"

namespace lnet::infer {

namespace {

using namespace gradient_detail;

template <class S>
S silu(S z) {
  using std::exp;
  return z / (S(1) + exp(-z));
}

template <class S>
S silu_grad(S z) {
  using std::exp;
  const S s = S(1) / (S(1) + exp(-z));
  return s * (S(1) + z * (S(1) - s));
}

}  // namespace

ShortRangeWeights zero_gradient(const ShortRangeWeights& w) {
  ShortRangeWeights g = w;
  g.net = gradient_detail::zero_gradient(w.net);
  g.linear = zeros(w.linear);
  g.mlp1 = zeros(w.mlp1);
  g.mlp2 = zeros(w.mlp2);
  return g;
}

void add_gradient(ShortRangeWeights& sum, const ShortRangeWeights& part) {
  gradient_detail::add_gradient(sum.net, part.net);
  add(sum.linear, part.linear);
  add(sum.mlp1, part.mlp1);
  add(sum.mlp2, part.mlp2);
}

template <class T>
ShortRangeGradient<T>::ShortRangeGradient(const ShortRangeWeights& w) : w_(w) {
  NetworkOptions o;
  o.weight_gradients = true;
  plain_ = std::make_unique<Network<T>>(w.net, o);
  tangent_ = std::make_unique<Network<Dual<T>>>(w.net, o);
}

template <class T>
ShortRangeGradient<T>::~ShortRangeGradient() = default;

template <class T>
void ShortRangeGradient<T>::add(const Input& in, const OutputSeeds& seeds,
                                ShortRangeWeights& grad) {
  const std::size_t n = in.positions.size();
  if (!in.edges_a || in.species.size() != n || (in.num_local >= 0 && in.num_local != int(n)))
    throw Error(
        "infer::ShortRangeGradient: species, positions and network A's pairs of one "
        "structure (no ghost atoms) are required");
  if (!seeds.forces.empty() && seeds.forces.size() != n)
    throw Error("infer::ShortRangeGradient: one force seed per atom required");
  if (seeds.forces.empty() && seeds.virial.isZero(0))
    add_with(*plain_, in, seeds, grad);
  else
    add_with(*tangent_, in, seeds, grad);
}

template <class T>
template <class S>
void ShortRangeGradient<T>::add_with(Network<S>& net, const Input& in, const OutputSeeds& seeds,
                                     ShortRangeWeights& grad) const {
  const int n = static_cast<int>(in.positions.size());
  // The edge tangents t_e = dL/dF_i - dL/dF_j - sym(dL/dW) r_e (gradient.hpp).
  std::vector<Vec3> dr;
  for (const Vec3& f : seeds.forces) dr.push_back(-f);
  const Graph<S> g = make_graph<S>(*in.edges_a, in.species, in.positions, in.cell, dr,
                                   -0.5 * (seeds.virial + seeds.virial.transpose()));

  // Readouts (ShortRangeNetworkImpl::forward): eps_i = e0 + scale (Σ_t<last h_t·w_t +
  // silu(h_last mlp1) mlp2), and their weight gradients, on S.
  const std::vector<Irreps<S>>& f = net.forward(g);
  const int nt = net.num_layers(), c = net.channels(), nh = w_.mlp1.cols;
  const S scale = static_cast<T>(w_.scale);
  std::vector<Irreps<S>> df(nt);
  for (int t = 0; t < nt; ++t) df[t].push_back(RowMat<S>::Zero(n, c));
  std::vector<std::vector<S>> dlin(nt - 1, std::vector<S>(c, S(0)));
  std::vector<S> dmlp1(static_cast<std::size_t>(c) * nh, S(0)), dmlp2(nh, S(0)), z(nh);
  for (int i = 0; i < n; ++i) {
    for (int t = 0; t + 1 < nt; ++t)
      for (int ch = 0; ch < c; ++ch) {
        df[t][0](i, ch) = scale * S(static_cast<T>(w_.linear[t].data[ch]));
        dlin[t][ch] += scale * f[t][0](i, ch);
      }
    const S* h = f[nt - 1][0].data() + static_cast<std::size_t>(i) * c;
    for (int k = 0; k < nh; ++k) {
      z[k] = S(0);
      for (int ch = 0; ch < c; ++ch) z[k] += h[ch] * S(static_cast<T>(w_.mlp1(ch, k)));
      dmlp2[k] += scale * silu(z[k]);
      const S gz = scale * S(static_cast<T>(w_.mlp2.data[k])) * silu_grad(z[k]);
      for (int ch = 0; ch < c; ++ch) {
        dmlp1[static_cast<std::size_t>(ch) * nh + k] += h[ch] * gz;
        df[nt - 1][0](i, ch) += gz * S(static_cast<T>(w_.mlp1(ch, k)));
      }
    }
  }
  NetworkGradient<S> wg = net.zero_gradient();
  std::vector<S> edge_grad;
  net.backward(g, std::move(df), edge_grad, &wg);

  const double de = seeds.energy;
  fold(wg, de, grad.net);
  for (int t = 0; t + 1 < nt; ++t) fold(dlin[t].data(), de, grad.linear[t]);
  fold(dmlp1.data(), de, grad.mlp1);
  fold(dmlp2.data(), de, grad.mlp2);
}

template <class T>
std::vector<Output> evaluate_batch(const ModelWeights& w, const std::vector<Input>& in,
                                   const std::vector<ElectrostaticsFn>& es) {
  if (w.long_range && es.size() != in.size())
    throw Error(
        "infer::evaluate_batch: a long-range model needs the electrostatics of each structure");
  std::vector<Output> out(in.size());
  const ElectrostaticsFn none;
  // The training networks' options: one structure per thread, the radial MLP of all edges in
  // a few large GEMMs (radial_mlp.hpp) and nothing recomputed in the reverse pass.
  NetworkOptions training;
  training.weight_gradients = true;
  for_each_structure(
      static_cast<int>(in.size()), [&] { return EngineModel<T>(w, training); },
      [&](EngineModel<T>& p, int k) { out[k] = p.evaluate(in[k], w.long_range ? es[k] : none); });
  return out;
}

template <class T>
ShortRangeWeights gradient_batch(const ShortRangeWeights& w, const std::vector<Input>& in,
                                 const std::vector<OutputSeeds>& seeds) {
  if (in.size() != seeds.size()) throw Error("infer::gradient_batch: one seed per structure");
  std::vector<ShortRangeWeights> parts(in.size());
  for_each_structure(
      static_cast<int>(in.size()), [&] { return ShortRangeGradient<T>(w); },
      [&](ShortRangeGradient<T>& engine, int k) {
        parts[k] = zero_gradient(w);
        engine.add(in[k], seeds[k], parts[k]);
      });
  ShortRangeWeights sum = zero_gradient(w);
  for (const ShortRangeWeights& part : parts) add_gradient(sum, part);
  return sum;
}

template class ShortRangeGradient<float>;
template class ShortRangeGradient<double>;
template std::vector<Output> evaluate_batch<float>(const ModelWeights&, const std::vector<Input>&,
                                                   const std::vector<ElectrostaticsFn>&);
template std::vector<Output> evaluate_batch<double>(const ModelWeights&, const std::vector<Input>&,
                                                    const std::vector<ElectrostaticsFn>&);
template ShortRangeWeights gradient_batch<float>(const ShortRangeWeights&,
                                                 const std::vector<Input>&,
                                                 const std::vector<OutputSeeds>&);
template ShortRangeWeights gradient_batch<double>(const ShortRangeWeights&,
                                                  const std::vector<Input>&,
                                                  const std::vector<OutputSeeds>&);

}  // namespace lnet::infer
