#include "lnet/train/metrics.hpp"

#include "lnet/core/elements.hpp"
#include "lnet/util/table.hpp"

namespace lnet {

Request request_for(const Batch& batch, const ModelConfig& model, const LossWeights* w) {
  Request r;
  r.forces = batch.forces_mask.sum().item<double>() > 0 && (!w || w->forces > 0);
  r.stress = batch.stress_mask.sum().item<double>() > 0 && (!w || w->stress > 0);
  r.bec = model.long_range && batch.bec_mask.sum().item<double>() > 0 && (!w || w->bec > 0);
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
    auto d = p.polarization - b.dipole;                                         // [B, 3]
    auto frac = torch::linalg::solve(b.cell.transpose(1, 2), d.unsqueeze(-1), true).squeeze(-1);
    auto folded = torch::bmm((frac - frac.round()).unsqueeze(1), b.cell).squeeze(1);
    loss = loss + w.polarization * masked_mean(folded.pow(2).sum(1), b.dipole_mask * b.weight);
  }
  return loss;
}

void ErrorStats::add(const torch::Tensor& diff) {
  auto d = diff.detach().to(torch::kFloat64);
  sum_abs += d.abs().sum().item<double>();
  sum_sq += d.pow(2).sum().item<double>();
  count += d.numel();
}

void Metrics::add(const Batch& b, const Prediction& p) {
  auto natoms = torch::tensor(b.natoms, p.energy.options());
  auto has_e = b.energy_mask > 0.5;
  energy.add(((p.energy - b.energy) / natoms).index({has_e}));
  auto numbers = b.numbers;
  auto per_species = [&](std::map<int, ErrorStats>& by, const torch::Tensor& diff,
                         const torch::Tensor& mask) {
    auto present = std::get<0>(at::_unique(numbers.index({mask})));
    for (int64_t k = 0; k < present.numel(); ++k) {
      const int64_t z = present[k].item<int64_t>();
      by[static_cast<int>(z)].add(diff.index({mask & (numbers == z)}));
    }
  };
  if (p.forces.defined()) {
    auto mask = b.forces_mask > 0.5;
    auto diff = p.forces - b.forces;
    forces.add(diff.index({mask}));
    per_species(forces_by_species, diff, mask);
  }
  if (p.stress.defined()) stress.add((p.stress - b.stress).index({b.stress_mask > 0.5}));
  if (p.bec.defined()) {
    auto mask = b.bec_mask > 0.5;
    auto diff = p.bec - b.bec;
    bec.add(diff.index({mask}));
    per_species(bec_by_species, diff, mask);
    auto sums = torch::zeros({b.num_structures, 3, 3}, p.bec.options()).index_add(0, b.structure, p.bec);
    asr_max = std::max(asr_max, sums.abs().max().item<double>());
  }
}

double Metrics::score(const LossWeights& w) const {
  double s = 0;
  if (w.energy > 0) s += w.energy * std::pow(energy.rmse(), 2);
  if (w.forces > 0) s += w.forces * std::pow(forces.rmse(), 2) * 3;
  if (w.stress > 0) s += w.stress * std::pow(stress.rmse(), 2) * 9;
  if (w.bec > 0) s += w.bec * std::pow(bec.rmse(), 2) * 9;
  return s;
}

nlohmann::json Metrics::to_json() const {
  nlohmann::json j;
  auto put = [&](const std::string& name, const ErrorStats& e, double scale) {
    if (e.count) j[name] = {{"mae", e.mae() * scale}, {"rmse", e.rmse() * scale}, {"count", e.count}};
  };
  put("energy_meV_per_atom", energy, 1000);
  put("forces_meV_per_A", forces, 1000);
  put("stress_meV_per_A3", stress, 1000);
  put("bec_e", bec, 1);
  for (const auto& [z, e] : forces_by_species) put("forces_meV_per_A_" + element_symbol(z), e, 1000);
  for (const auto& [z, e] : bec_by_species) put("bec_e_" + element_symbol(z), e, 1);
  if (bec.count) j["asr_max_e"] = asr_max;
  return j;
}

std::string Metrics::table(const std::string& title) const {
  Table t({title, "MAE", "RMSE", "unit"});
  auto row = [&](const std::string& name, const ErrorStats& e, double scale, const std::string& unit) {
    if (e.count) t.add_row({name, fmt(e.mae() * scale, 3), fmt(e.rmse() * scale, 3), unit});
  };
  row("energy", energy, 1000, "meV/atom");
  row("forces", forces, 1000, "meV/Å");
  for (const auto& [z, e] : forces_by_species) row("  forces " + element_symbol(z), e, 1000, "meV/Å");
  row("stress", stress, 1000, "meV/Å³");
  row("BEC", bec, 1, "e");
  for (const auto& [z, e] : bec_by_species) row("  BEC " + element_symbol(z), e, 1, "e");
  if (bec.count) t.add_row({"  sum rule |ΣZ*|", fmt(asr_max, 6), "", "e (max)"});
  return t.str();
}

}  // namespace lnet
