#include "lnet/model/infer_weights.hpp"

#include <map>
#include <set>

#include "lnet/core/error.hpp"

namespace lnet {

namespace {

using MatrixFn = std::function<void(const std::string& name, infer::Matrix& m)>;

class Params {
 public:
  explicit Params(const torch::nn::Module& m) {
    for (const auto& p : m.named_parameters(true)) map_.emplace(p.key(), p.value());
    for (const auto& b : m.named_buffers(true)) map_.emplace(b.key(), b.value());
  }
  torch::Tensor take(const std::string& name) {
    auto it = map_.find(name);
    if (it == map_.end()) throw Error("infer_weights: the model has no tensor '" + name + "'");
    used_.insert(name);
    return it->second.detach().to(torch::kFloat64).contiguous();
  }
  infer::Matrix matrix(const std::string& name) {
    auto t = take(name);
    if (t.dim() != 2) throw Error("infer_weights: '" + name + "' is not a matrix");
    infer::Matrix m;
    m.rows = static_cast<int>(t.size(0));
    m.cols = static_cast<int>(t.size(1));
    m.data.assign(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
    return m;
  }
  std::vector<double> vector(const std::string& name) {
    auto t = take(name).reshape({-1});
    return {t.data_ptr<double>(), t.data_ptr<double>() + t.numel()};
  }
  void check_all_used() const {
    for (const auto& [name, t] : map_)
      if (!used_.count(name))
        throw Error("infer_weights: the model holds '" + name +
                    "', which the inference engine does not know");
  }

 private:
  std::map<std::string, torch::Tensor> map_;
  std::set<std::string> used_;
};

// A network's spec and layer degrees, with its weight lists sized (matrices empty).
infer::NetworkWeights network_shape(const infer::NetworkSpec& spec, int num_species,
                                    double avg_neighbors, int l_final) {
  infer::NetworkWeights w;
  w.spec = spec;
  w.num_species = num_species;
  w.avg_neighbors = avg_neighbors;
  for (int t = 0; t < spec.layers; ++t) {
    infer::LayerWeights L;
    static_cast<infer::LayerDegrees&>(L) = infer::layer_degrees(spec, t, l_final);
    L.up.resize(L.l_in + 1);
    L.mix.resize(L.l_sh + 1);
    L.out.resize(L.l_out + 1);
    L.skip.resize(std::min(L.l_in, L.l_out) + 1);
    L.radial.resize(4);
    L.product.resize(infer::product_paths(L.l_sh, L.l_out, spec.correlation).size());
    w.layers.push_back(std::move(L));
  }
  return w;
}

// Every matrix of a network with the name of its torch parameter (nn::EquivariantNetworkImpl).
void for_each_matrix(const std::string& prefix, infer::NetworkWeights& w, const MatrixFn& f) {
  f(prefix + "embedding", w.embedding);
  for (std::size_t t = 0; t < w.layers.size(); ++t) {
    infer::LayerWeights& L = w.layers[t];
    const std::string lp = prefix + "layer" + std::to_string(t) + ".";
    auto linear = [&](const std::string& name, std::vector<infer::Matrix>& ms) {
      for (std::size_t l = 0; l < ms.size(); ++l) f(lp + name + ".w" + std::to_string(l), ms[l]);
    };
    linear("up", L.up);
    linear("mix", L.mix);
    linear("out", L.out);
    linear("skip", L.skip);
    linear("radial", L.radial);
    const auto paths = infer::product_paths(L.l_sh, L.l_out, w.spec.correlation);
    for (std::size_t k = 0; k < paths.size(); ++k) f(lp + "product." + paths[k].name, L.product[k]);
  }
}

}  // namespace

std::optional<std::string> infer_unsupported(const ModelConfig& config) {
  // Every hyperparameter reaches the engine with the NetworkSpec, and infer_weights refuses a
  // tensor the engine would not use; what is left is a model kind the engine has no code for.
  if (config.polarizable)
    return std::string(
        "polarizable models (capability polarizable: the engine has no induced dipoles)");
  return std::nullopt;
}

infer::ModelWeights infer_weights(const Potential& model) {
  const ModelConfig& c = model->config();
  if (auto why = infer_unsupported(c)) throw Error("inference engine: " + *why);
  Params p(*model);
  const int ns = static_cast<int>(c.species.size());
  infer::ModelWeights w;
  auto& a = w.a;
  a.net = network_shape(c.network_a, ns, c.avg_neighbors_a, 0);
  a.linear.resize(c.network_a.layers - 1);
  for_each_trained(a, [&](const std::string& name, infer::Matrix& m) { m = p.matrix(name); });
  a.e0 = p.vector("network_a.e0");
  a.scale = c.energy_scale;
  w.q0 = p.vector("q0");
  w.sigma = p.vector("sigma");
  w.long_range = c.long_range;
  w.learn_charges = c.learn_charges;
  w.epsilon_s = c.epsilon_s;
  if (c.long_range) {
    w.b.net = network_shape(c.network_b, ns, c.avg_neighbors_b, 1);
    w.b.charge.resize(c.network_b.layers);
    for (const infer::LayerWeights& L : w.b.net.layers)
      if (L.l_out >= 1) w.b.dipole.emplace_back();  // the readouts of mu_i (l = 1)
    for_each_trained(w.b, [&](const std::string& name, infer::Matrix& m) { m = p.matrix(name); });
  }
  p.check_all_used();
  return w;
}

void for_each_trained(infer::ShortRangeWeights& a,
                      const std::function<void(const std::string&, infer::Matrix&)>& f) {
  for_each_matrix("network_a.net.", a.net, f);
  for (std::size_t t = 0; t < a.linear.size(); ++t)
    f("network_a.readout" + std::to_string(t), a.linear[t]);
  f("network_a.readout_mlp1", a.mlp1);
  f("network_a.readout_mlp2", a.mlp2);
}

void for_each_trained(infer::PolarizationWeights& b,
                      const std::function<void(const std::string&, infer::Matrix&)>& f) {
  for_each_matrix("network_b.net.", b.net, f);
  for (std::size_t t = 0, k = 0; t < b.net.layers.size(); ++t) {
    f("network_b.charge" + std::to_string(t), b.charge[t]);
    if (b.net.layers[t].l_out >= 1 && k < b.dipole.size())
      f("network_b.dipole" + std::to_string(t), b.dipole[k++]);
  }
}

void set_gradients(Potential& model, infer::ShortRangeWeights a, infer::PolarizationWeights* b) {
  if (model->config().long_range != (b != nullptr))
    throw Error("set_gradients: network B's gradient is needed exactly for long-range models");
  std::map<std::string, torch::Tensor> params;
  for (const auto& p : model->named_parameters(true)) params.emplace(p.key(), p.value());
  std::set<std::string> done;
  const auto set = [&](const std::string& name, infer::Matrix& m) {
    auto it = params.find(name);
    if (it == params.end()) throw Error("set_gradients: the model has no parameter '" + name + "'");
    torch::Tensor& p = it->second;
    if (p.dim() != 2 || p.size(0) != m.rows || p.size(1) != m.cols ||
        m.data.size() != static_cast<std::size_t>(m.rows) * m.cols)
      throw Error("set_gradients: the gradient of '" + name + "' does not match its shape");
    p.mutable_grad() = torch::from_blob(m.data.data(), {m.rows, m.cols}, torch::kFloat64)
                           .to(p.scalar_type())
                           .clone();
    done.insert(name);
  };
  for_each_trained(a, set);
  if (b) for_each_trained(*b, set);
  for (const auto& [name, p] : params)
    if (!done.count(name))
      throw Error("set_gradients: no engine gradient for the parameter '" + name + "'");
}

namespace {

torch::Tensor vectors_tensor(const std::vector<Vec3>& v, int64_t n) {
  auto t = torch::zeros({n, 3}, torch::kFloat64);  // empty v: zeros
  auto a = t.accessor<double, 2>();
  for (std::size_t i = 0; i < v.size(); ++i)
    for (int c = 0; c < 3; ++c) a[static_cast<int64_t>(i)][c] = v[i](c);
  return t;
}

torch::Tensor matrix_tensor(const Mat3& m) {
  auto t = torch::empty({3, 3}, torch::kFloat64);
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) t[a][b] = m(a, b);
  return t;
}

// Rows of a float64 [n] or [n, 3] tensor times `sign`.
void take(const torch::Tensor& t, double sign, std::vector<double>& out) {
  auto c = (sign * t.detach()).contiguous();
  out.assign(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}
void take(const torch::Tensor& t, double sign, std::vector<Vec3>& out) {
  std::vector<double> flat;
  take(t, sign, flat);
  out.clear();
  for (std::size_t i = 0; i + 2 < flat.size(); i += 3)
    out.emplace_back(flat[i], flat[i + 1], flat[i + 2]);
}

// E_es of the sites as es::evaluate differentiates it: leaves for the positions, charges,
// dipoles and a symmetric strain applied to positions and cell.
struct StrainedSites {
  torch::Tensor pos, charges, dip, strain;
  es::Sites sites;
  StrainedSites(const std::vector<Vec3>& positions, const Mat3& cell, bool periodic,
                const std::vector<double>& q, const std::vector<Vec3>& mu,
                const std::vector<double>& sigma) {
    const auto n = static_cast<int64_t>(positions.size());
    const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
    pos = vectors_tensor(positions, n).requires_grad_(true);
    charges = torch::tensor(q, f64).requires_grad_(true);
    dip = vectors_tensor(mu, n).requires_grad_(true);
    strain = torch::zeros({3, 3}, f64).requires_grad_(true);
    auto sym = 0.5 * (strain + strain.t());
    auto h = matrix_tensor(cell);
    sites = {pos + pos.matmul(sym),    periodic ? h + h.matmul(sym) : h, periodic, charges, dip,
             torch::tensor(sigma, f64)};
  }
  // dE/d(pos, charges, dip, strain), zeros where E does not depend on a leaf; `keep`: with the
  // graph, for a second derivative.
  std::vector<torch::Tensor> gradient(const torch::Tensor& energy, bool keep) const {
    const std::vector<torch::Tensor> leaves{pos, charges, dip, strain};
    auto g = torch::autograd::grad({energy}, leaves, {}, keep, keep, /*allow_unused=*/true);
    for (std::size_t k = 0; k < g.size(); ++k)
      if (!g[k].defined()) g[k] = torch::zeros_like(leaves[k]);
    return g;
  }
};

}  // namespace

infer::ElectrostaticsFn torch_electrostatics(const es::Electrostatics& es,
                                             std::optional<es::Parameters>& params,
                                             const std::vector<Vec3>& positions, const Mat3& cell,
                                             bool periodic, const std::vector<double>& sigma) {
  return [&es, &params, &positions, cell, periodic, &sigma](const std::vector<double>& q,
                                                            const std::vector<Vec3>& mu) {
    const StrainedSites s(positions, cell, periodic, q, mu, sigma);
    if (!params) params = es.resolve(s.sites);  // detached values: the strain is zero
    const torch::Tensor energy = es.energy(s.sites, *params);
    const std::vector<torch::Tensor> g = s.gradient(energy, false);
    infer::ElectrostaticsResult r;
    r.energy = energy.item<double>();
    take(g[0], -1, r.forces);
    take(g[1], 1, r.potential);
    take(g[2], -1, r.field);
    auto w = (-g[3]).contiguous();
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) r.virial(a, b) = w.data_ptr<double>()[3 * a + b];
    return r;
  };
}

infer::ElectrostaticsTangentFn torch_electrostatics_tangent(const es::Electrostatics& es,
                                                            const es::Parameters& params,
                                                            const std::vector<Vec3>& positions,
                                                            const Mat3& cell, bool periodic,
                                                            const std::vector<double>& sigma) {
  return [&es, params, &positions, cell, periodic, &sigma](
             const std::vector<double>& q, const std::vector<Vec3>& mu,
             const std::vector<double>& dq, const std::vector<Vec3>& dmu,
             const std::vector<Vec3>& dr, const Mat3& strain_dir) {
    const auto n = static_cast<int64_t>(positions.size());
    const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
    const StrainedSites s(positions, cell, periodic, q, mu, sigma);
    const bool tangents = !dq.empty() || !dmu.empty() || !dr.empty() || !strain_dir.isZero(0);
    const std::vector<torch::Tensor> g = s.gradient(es.energy(s.sites, params), tangents);
    infer::ElectrostaticsTangent out;
    take(g[1], 1, out.potential);
    take(g[2], -1, out.field);
    if (!tangents) return out;
    // d/dt of (dE/dq, dE/dmu) along the direction: the gradient of the directional derivative.
    auto along = (g[0] * vectors_tensor(dr, n)).sum() + (g[3] * matrix_tensor(strain_dir)).sum();
    if (!dq.empty()) along = along + (g[1] * torch::tensor(dq, f64)).sum();
    if (!dmu.empty()) along = along + (g[2] * vectors_tensor(dmu, n)).sum();
    std::vector<torch::Tensor> t{torch::zeros_like(s.charges), torch::zeros_like(s.dip)};
    if (along.requires_grad()) {
      auto d = torch::autograd::grad({along}, {s.charges, s.dip}, {}, false, false, true);
      for (int k = 0; k < 2; ++k)
        if (d[k].defined()) t[k] = d[k];
    }
    take(t[0], 1, out.potential_tangent);
    take(t[1], -1, out.field_tangent);
    return out;
  };
}

}  // namespace lnet
