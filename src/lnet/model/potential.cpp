#include "lnet/model/potential.hpp"

#include "lnet/core/error.hpp"

namespace lnet {

namespace {

es::Settings es_settings(const ModelConfig& c) {
  es::Settings s;
  s.accuracy = c.es_accuracy;
  s.method = es::parse_method(c.es_method);
  return s;
}

// r_ij = r_j - r_i + shift · cell for every edge, from strained positions and cells.
torch::Tensor edge_vectors(const EdgeSet& e, const torch::Tensor& pos, const torch::Tensor& cell) {
  auto shift = torch::bmm(e.shift.unsqueeze(1), cell.index_select(0, e.structure)).squeeze(1);
  return pos.index_select(0, e.sender) - pos.index_select(0, e.receiver) + shift;
}

}  // namespace

PotentialImpl::PotentialImpl(const ModelConfig& config)
    : config_(config), es_(es_settings(config)) {
  a_ = register_module("network_a", ShortRangeNetwork(config));
  const auto ns = static_cast<int64_t>(config.species.size());
  auto q0 = torch::zeros({ns}, torch::kFloat64), sigma = torch::ones({ns}, torch::kFloat64);
  for (int64_t s = 0; s < ns; ++s) {
    int z = config.species[s];
    if (auto it = config.charges.find(z); it != config.charges.end()) q0[s] = it->second;
    if (auto it = config.sigma.find(z); it != config.sigma.end()) sigma[s] = it->second;
  }
  q0_ = register_buffer("q0", q0);
  sigma_ = register_buffer("sigma", sigma);
  if (config.long_range) b_ = register_module("network_b", PolarizationNetwork(config));
  to(dtype());
}

torch::Dtype PotentialImpl::dtype() const {
  return config_.dtype == "float32" ? torch::kFloat32 : torch::kFloat64;
}

Prediction PotentialImpl::forward(const Batch& batch, const Request& request) {
  Prediction out;
  const int64_t nb = batch.num_structures;
  auto pos = batch.positions.detach().clone().requires_grad_(request.forces || request.bec);
  // Stress from a symmetric strain applied to positions and cells (DESIGN.md §1):
  // r -> r (1 + eps), h -> h (1 + eps); sigma = (1/V) dE/d(eps).
  auto strain = torch::zeros({nb, 3, 3}, pos.options()).requires_grad_(request.stress);
  auto deform = torch::eye(3, pos.options()).unsqueeze(0) + 0.5 * (strain + strain.transpose(1, 2));
  auto pos_s = torch::bmm(pos.unsqueeze(1), deform.index_select(0, batch.structure)).squeeze(1);
  auto cell_s = torch::bmm(batch.cell, deform);

  auto eps = a_->forward(batch.species, edge_vectors(batch.edges_a, pos_s, cell_s),
                         batch.edges_a.sender, batch.edges_a.receiver);
  auto energy = torch::zeros({nb}, pos.options()).index_add(0, batch.structure, eps);
  if (config_.long_range) long_range(batch, request, pos_s, cell_s, energy, out);
  out.energy = energy;
  out.positions = pos;

  std::vector<torch::Tensor> inputs;
  if (request.forces) inputs.push_back(pos);
  if (request.stress) inputs.push_back(strain);
  const bool keep = request.create_graph || request.bec;
  if (!inputs.empty()) {
    // allow_unused: a structure without neighbours or charges has no path to its inputs.
    auto grads =
        torch::autograd::grad({energy.sum()}, inputs, {}, keep, request.create_graph, true);
    for (std::size_t k = 0; k < grads.size(); ++k)
      if (!grads[k].defined()) grads[k] = torch::zeros_like(inputs[k]);
    std::size_t k = 0;
    if (request.forces) out.forces = -grads[k++];
    if (request.stress) {
      out.virial = -grads[k];
      out.stress = grads[k] / batch.volume().view({nb, 1, 1});
    }
  }
  if (request.bec) {
    if (!config_.long_range) throw Error("Born effective charges need a long-range model");
    std::vector<torch::Tensor> rows;
    for (int a = 0; a < 3; ++a) {
      auto g = torch::autograd::grad({out.polarization.select(1, a).sum()}, {pos}, {}, true,
                                     request.create_graph, /*allow_unused=*/true)[0];
      rows.push_back(g.defined() ? g : torch::zeros_like(pos));
    }
    out.bec = torch::stack(rows, 1);  // [N, alpha, beta]
  }
  return out;
}

void PotentialImpl::long_range(const Batch& batch, const Request& request, const torch::Tensor& pos,
                               const torch::Tensor& cell, torch::Tensor& energy, Prediction& out) {
  auto vectors = edge_vectors(batch.edges_b, pos, cell);
  auto [s, mu] = b_->forward(batch.species, vectors, batch.edges_b.sender, batch.edges_b.receiver);
  const int64_t nb = batch.num_structures;
  auto q = q0_.index_select(0, batch.species);
  // Born dipole M = sum q r + sum mu (DESIGN.md §1), from the positions as given (unwrapped in
  // MD, so that -E·M does not jump when an atom crosses the cell boundary).
  auto m_i = q.unsqueeze(1) * pos + mu;
  out.polarization = torch::zeros({nb, 3}, pos.options()).index_add(0, batch.structure, m_i);
  if (config_.learn_charges) {
    // Learned charges as transfers along bonds: t_ij = (s_j - s_i) w(r_ij) flows from j to i,
    // t_ji = -t_ij, so every structure stays exactly neutral without a mean subtraction. The
    // transferred dipole sum_i (sum_j t_ij) r_i = -1/2 sum_edges t_ij (r_j - r_i) only needs the
    // edge vectors: Z* does not depend on which periodic image of an atom is stored, and is
    // translation invariant (DESIGN.md §1, periodic pitfalls; departure noted there).
    const auto& e = batch.edges_b;
    auto x = vectors.norm(2, -1) / config_.network_b.cutoff;
    auto w = 1 - x.pow(3) * (10 - 15 * x + 6 * x * x);  // C2 switch: 1 at r = 0, 0 at the cutoff
    auto t = (s.index_select(0, e.sender) - s.index_select(0, e.receiver)) * w;
    q = q + torch::zeros_like(q).index_add(0, e.receiver, t);
    out.polarization =
        out.polarization - 0.5 * torch::zeros({nb, 3}, pos.options())
                                     .index_add(0, e.structure, t.unsqueeze(1) * vectors);
  }
  auto sigma = sigma_.index_select(0, batch.species);
  std::vector<torch::Tensor> e_es;
  for (int64_t b = 0; b < nb; ++b) {
    const auto& pbc = batch.pbc[b];
    if ((pbc[0] != pbc[1]) || (pbc[1] != pbc[2]))
      throw InputError("structure " + std::to_string(b + 1),
                       "long-range electrostatics needs pbc all true or all false");
    es::Sites sites;
    sites.positions = pos.narrow(0, batch.offsets[b], batch.natoms[b]);
    sites.cell = cell[b];
    sites.periodic = pbc[0];
    sites.charges = q.narrow(0, batch.offsets[b], batch.natoms[b]);
    sites.dipoles = mu.narrow(0, batch.offsets[b], batch.natoms[b]);
    sites.sigma = sigma.narrow(0, batch.offsets[b], batch.natoms[b]);
    const bool given = static_cast<int64_t>(request.es_parameters.size()) == nb;
    out.es_parameters.push_back(given ? request.es_parameters[b] : es_.resolve(sites));
    e_es.push_back(es_.energy(sites, out.es_parameters.back()));
  }
  energy = energy + torch::stack(e_es) / config_.epsilon_s;
  energy = energy - (batch.efield * out.polarization).sum(1);
  out.charges = q;
  out.dipoles = mu;
}

}  // namespace lnet
