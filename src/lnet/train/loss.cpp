#include "lnet/train/loss.hpp"

namespace lnet {

Request request_for(const Batch& batch, const ModelConfig& model, const LossWeights* w) {
  Request r;
  r.forces = batch.forces_mask.sum().item<double>() > 0 && (!w || w->forces > 0);
  r.stress = batch.stress_mask.sum().item<double>() > 0 && (!w || w->stress > 0);
  r.bec = model.long_range && batch.bec_mask.sum().item<double>() > 0 && (!w || w->bec > 0);
  r.polarizability = model.polarizable && batch.polarizability_mask.sum().item<double>() > 0 &&
                     (!w || w->polarizability > 0);
  r.create_graph = w != nullptr;
  return r;
}

namespace {

// Weighted mean of per-item squared errors over items with mask 1.
torch::Tensor masked_mean(const torch::Tensor& sq, const torch::Tensor& mask) {
  auto denom = mask.sum().clamp_min(1e-12);
  return (sq * mask).sum() / denom;
}

}  // namespace

torch::Tensor loss_of(const Batch& b, const Prediction& p, const LossWeights& w) {
  auto natoms = torch::tensor(b.natoms, p.energy.options());
  auto atom_weight = b.weight.index_select(0, b.structure);
  auto loss = torch::zeros({}, p.energy.options());
  if (w.energy > 0) {
    auto e = ((p.energy - b.energy) / natoms).pow(2);
    loss = loss + w.energy * masked_mean(e, b.energy_mask * b.weight);
  }
  if (w.forces > 0 && p.forces.defined()) {
    auto f = (p.forces - b.forces).pow(2).sum(1);
    loss = loss + w.forces * masked_mean(f, b.forces_mask * atom_weight);
  }
  if (w.stress > 0 && p.stress.defined()) {
    auto s = (p.stress - b.stress).pow(2).sum({1, 2});
    loss = loss + w.stress * masked_mean(s, b.stress_mask * b.weight);
  }
  if (w.bec > 0 && p.bec.defined()) {
    auto z = (p.bec - b.bec).pow(2).sum({1, 2});
    loss = loss + w.bec * masked_mean(z, b.bec_mask * atom_weight);
  }
  if (w.polarization > 0 && p.polarization.defined()) {
    // Fold M - M_ref to the nearest lattice image: dipoles per cell are defined modulo e·R.
    // Open structures (zero cell) have no quantum: their difference is used as it is.
    auto d = p.polarization - b.dipole;  // [B, 3]
    auto periodic = (b.cell.abs().sum({1, 2}) > 0).view({-1, 1});
    auto eye = torch::eye(3, b.cell.options()).expand_as(b.cell);
    auto cell = torch::where(periodic.view({-1, 1, 1}), b.cell, eye);
    auto frac = torch::linalg::solve(cell.transpose(1, 2), d.unsqueeze(-1), true).squeeze(-1);
    auto folded =
        torch::where(periodic, torch::bmm((frac - frac.round()).unsqueeze(1), cell).squeeze(1), d);
    loss = loss + w.polarization * masked_mean(folded.pow(2).sum(1), b.dipole_mask * b.weight);
  }
  if (w.polarizability > 0 && p.polarizability.defined()) {
    // alpha_cell from the variational form: its weight gradient is exact (induction.hpp).
    auto a = (p.polarizability - b.polarizability).pow(2).sum({1, 2});
    loss = loss + w.polarizability * masked_mean(a, b.polarizability_mask * b.weight);
  }
  return loss;
}

double validation_score(const Metrics& m, const LossWeights& w) {
  double s = 0;
  if (w.energy > 0) s += w.energy * std::pow(m.energy.rmse(), 2);
  if (w.forces > 0) s += w.forces * std::pow(m.forces.rmse(), 2) * 3;
  if (w.stress > 0) s += w.stress * std::pow(m.stress.rmse(), 2) * 9;
  if (w.bec > 0) s += w.bec * std::pow(m.bec.rmse(), 2) * 9;
  if (w.polarization > 0) s += w.polarization * std::pow(m.polarization.rmse(), 2) * 3;
  if (w.polarizability > 0) s += w.polarizability * std::pow(m.polarizability.rmse(), 2) * 9;
  return s;
}

}  // namespace lnet
