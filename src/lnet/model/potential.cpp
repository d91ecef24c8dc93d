#include "lnet/model/potential.hpp"

#include <cmath>
#include <limits>

#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"
#include "lnet/electrostatics/induction.hpp"

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

// The electrostatics tuning scales its error estimates with sum q² and sum |mu|²; induced
// dipoles are not known before the parameters are, so they enter at the scale alpha_i · 1 V/Å
// (fields in ionic solids are V/Å). Without them a system of few permanent charges and dipoles
// would get a coarse k-space that mis-represents the dipole field operator of the solver.
es::Sites tuning_sites(const es::Sites& sites, const torch::Tensor& alpha) {
  es::Sites t = sites;
  const torch::Tensor iso = alpha.dim() == 3 ? alpha.diagonal(0, 1, 2).mean(1) : alpha;
  auto induced = iso.detach().unsqueeze(1).expand({-1, 3}) / std::sqrt(3.0);
  t.dipoles = sites.dipoles.defined() ? sites.dipoles.detach() + induced : induced;
  return t;
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

Prediction PotentialImpl::forward(const Batch& batch, const Request& given) {
  Request request = given;
  if (request.raman) {
    if (!config_.polarizable) throw Error("Raman tensors need a polarizable model");
    request.polarizability = true;
  }
  Prediction out;
  const int64_t nb = batch.num_structures;
  auto pos = batch.positions.detach().clone().requires_grad_(request.forces || request.bec ||
                                                             request.raman);
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
  const bool keep = request.create_graph || request.bec || request.raman;
  if (!inputs.empty()) {
    // allow_unused: a structure without neighbours or charges has no path to its inputs; with
    // frozen weights its energy may not require grad at all (one atom in vacuum): all zeros.
    std::vector<torch::Tensor> grads(inputs.size());
    if (energy.requires_grad())
      grads = torch::autograd::grad({energy.sum()}, inputs, {}, keep, request.create_graph, true);
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
  if (request.raman) {
    // d alpha_cell / d r from the variational alpha~ at fixed Lambda: exact (induction.hpp).
    std::vector<torch::Tensor> parts;
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) {
        auto g = torch::autograd::grad({out.polarizability.select(1, a).select(1, b).sum()}, {pos},
                                       {}, true, request.create_graph, true)[0];
        parts.push_back(g.defined() ? g : torch::zeros_like(pos));
      }
    out.raman = torch::stack(parts, 1).view({pos.size(0), 3, 3, 3});
  }
  return out;
}

void PotentialImpl::long_range(const Batch& batch, const Request& request, const torch::Tensor& pos,
                               const torch::Tensor& cell, torch::Tensor& energy, Prediction& out) {
  auto vectors = edge_vectors(batch.edges_b, pos, cell);
  auto sigma = sigma_.index_select(0, batch.species);
  torch::Tensor alpha_max;
  if (config_.polarizable) alpha_max = sigma.detach().pow(3) * es::max_stable_polarizability(1.0);
  auto [s, mu, alpha] =
      b_->forward(batch.species, vectors, batch.edges_b.sender, batch.edges_b.receiver, alpha_max);
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
  std::vector<torch::Tensor> e_es, induced, dm;
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
    if (given)
      out.es_parameters.push_back(request.es_parameters[b]);
    else if (config_.polarizable)  // tuned for the induced dipoles too (see tuning_sites)
      out.es_parameters.push_back(
          es_.resolve(tuning_sites(sites, alpha.narrow(0, batch.offsets[b], batch.natoms[b]))));
    else
      out.es_parameters.push_back(es_.resolve(sites));
    if (config_.polarizable)
      e_es.push_back(induction(batch, request, b, sites,
                               alpha.narrow(0, batch.offsets[b], batch.natoms[b]), out, induced,
                               dm));
    else
      e_es.push_back(es_.energy(sites, out.es_parameters.back()));
  }
  energy = energy + torch::stack(e_es) / config_.epsilon_s;
  // -E·M_perm; the induced part -E·sum mu_ind is inside U (induction_energy).
  energy = energy - (batch.efield * out.polarization).sum(1);
  out.charges = q;
  out.dipoles = mu;
  if (config_.polarizable) {
    out.induced_dipoles = torch::cat(induced).detach();
    out.site_polarizability = alpha;
    out.dipoles = mu + out.induced_dipoles;
    out.polarization = out.polarization + torch::stack(dm);
  }
}

torch::Tensor PotentialImpl::induction(const Batch& batch, const Request& request, int64_t b,
                                       const es::Sites& sites, const torch::Tensor& alpha,
                                       Prediction& out, std::vector<torch::Tensor>& induced,
                                       std::vector<torch::Tensor>& dm) {
  const es::Parameters& p = out.es_parameters.back();
  es::InductionSettings settings;
  settings.tolerance = config_.induction_tolerance;
  auto op = std::make_shared<const es::InductionOperator>(p, sites, alpha, settings);
  const torch::Tensor field = batch.efield[b];
  torch::Tensor guess;
  if (request.induced_guess.defined())
    guess = request.induced_guess.narrow(0, batch.offsets[b], batch.natoms[b]);
  es::InductionStats stats;
  const torch::Tensor mu_star = es::solve_induced_dipoles(*op, es_, p, sites, field, guess, &stats);
  out.induction_iterations += stats.iterations;
  induced.push_back(mu_star);

  // U is stationary in mu_ind: its value and first derivatives need mu* only. Training
  // differentiates derivatives (forces, Z*) w.r.t. the weights, which needs d mu*/d theta:
  // the linearised step of attach_solution gives it exactly without unrolling the solver.
  const bool need_response = request.bec || request.polarizability;
  torch::Tensor mu = mu_star.detach().requires_grad_(request.create_graph || request.bec);
  torch::Tensor u = es::induction_energy(es_, p, sites, alpha, field, mu);
  torch::Tensor g;
  if (request.create_graph || request.bec) g = torch::autograd::grad({u}, {mu}, {}, true, true)[0];
  if (request.create_graph) {
    mu = es::attach_solution(mu_star, g, op);
    u = es::induction_energy(es_, p, sites, alpha, field, mu);
    g = torch::autograd::grad({u}, {mu}, {}, true, true)[0];
  }
  torch::Tensor m_ind = mu.sum(0);
  if (!need_response) {
    dm.push_back(m_ind);
    return u;
  }
  es::InductionStats response_stats;
  torch::Tensor lam = es::field_response(*op, &response_stats).to(sites.positions.scalar_type());
  out.induction_iterations += response_stats.iterations;
  if (request.bec) {
    // W_a = M_a - Lambda_a·g(mu) equals M at the solution and is stationary in mu and Lambda,
    // so dW/dr is Z* with its induced part at fixed mu*, Lambda (no derivative of a solver);
    // with the graph kept, mu and Lambda carry exact first derivatives in theta, which makes
    // the weight gradient of a Z* loss exact too.
    torch::Tensor lam_used =
        request.create_graph ? es::attach_response(es_, p, sites, alpha, lam, op) : lam;
    m_ind = m_ind - (lam_used * g.unsqueeze(0)).sum({1, 2});
  }
  dm.push_back(m_ind);
  if (request.polarizability) {
    const int64_t nb = batch.num_structures;
    if (!out.polarizability.defined()) {
      out.polarizability = torch::zeros({nb, 3, 3}, sites.positions.options());
      out.epsilon_inf = torch::full({nb, 3, 3}, std::numeric_limits<double>::quiet_NaN(),
                                    sites.positions.options());
    }
    // Lambda enters detached: alpha~ is stationary in it (induction.hpp), so Raman tensors and
    // the weight gradients of an alpha_cell loss are exact.
    torch::Tensor ac = es::cell_polarizability(es_, p, sites, alpha, lam);
    auto put = [&](const torch::Tensor& all, const torch::Tensor& one) {  // out of place
      return torch::cat({all.narrow(0, 0, b), one.unsqueeze(0), all.narrow(0, b + 1, nb - b - 1)});
    };
    out.polarizability = put(out.polarizability, ac);
    if (sites.periodic) {
      // Tin-foil boundary: the applied field is the macroscopic field, eps = 1 + chi.
      torch::Tensor eps =
          torch::eye(3, ac.options()) + ac / (units::eps0 * torch::det(sites.cell).abs());
      out.epsilon_inf = put(out.epsilon_inf, eps);
    }
  }
  return u;
}

}  // namespace lnet
