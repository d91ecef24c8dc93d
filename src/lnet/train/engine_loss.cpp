#include "lnet/train/engine_loss.hpp"

#include <cmath>

#include "lnet/core/error.hpp"
#include "lnet/infer/gradient.hpp"
#include "lnet/model/infer_weights.hpp"

namespace lnet {

std::optional<std::string> engine_unsupported(const ModelConfig& model, const LossWeights&) {
  // A short-range model has no charges, dipoles or polarizability: the BEC, polarization and
  // polarizability loss terms drop out of its loss (request_for), so only the model matters.
  if (model.long_range) return std::string("long-range models");
  if (auto why = infer_unsupported(model)) return *why;
  return std::nullopt;
}

namespace {

// One structure of the batch as the engine's input, network A's pairs rebuilt from the batch's
// edge tensors (ordered by structure, indices shifted by the structure's first atom).
struct Structures {
  std::vector<NeighborList> pairs;
  std::vector<infer::Input> inputs;
};

Structures structures_of(const Batch& b, const Request& r) {
  const int64_t nb = b.num_structures;
  Structures out;
  out.pairs.resize(nb);
  out.inputs.resize(nb);
  auto pos = b.positions.detach().to(torch::kFloat64).contiguous();
  auto cell = b.cell.detach().to(torch::kFloat64).contiguous();
  auto species = b.species.to(torch::kLong).contiguous();
  const double* pp = pos.data_ptr<double>();
  const double* cp = cell.data_ptr<double>();
  const int64_t* sp = species.data_ptr<int64_t>();
  for (int64_t s = 0; s < nb; ++s) {
    infer::Input& in = out.inputs[s];
    for (int64_t i = b.offsets[s]; i < b.offsets[s] + b.natoms[s]; ++i) {
      in.positions.emplace_back(pp[3 * i], pp[3 * i + 1], pp[3 * i + 2]);
      in.species.push_back(static_cast<int>(sp[i]));
    }
    for (int a = 0; a < 3; ++a)
      for (int c = 0; c < 3; ++c) in.cell(a, c) = cp[9 * s + 3 * a + c];
    in.edges_a = &out.pairs[s];
    in.forces = r.forces;
    in.virial = r.stress;
  }
  const EdgeSet& e = b.edges_a;
  auto recv = e.receiver.to(torch::kLong).contiguous(),
       send = e.sender.to(torch::kLong).contiguous(),
       which = e.structure.to(torch::kLong).contiguous();
  auto shift = e.shift.to(torch::kFloat64).contiguous();
  for (int64_t k = 0; k < recv.size(0); ++k) {
    const int64_t s = which.data_ptr<int64_t>()[k], first = b.offsets[s];
    NeighborList& nl = out.pairs[s];
    nl.first.push_back(static_cast<int>(recv.data_ptr<int64_t>()[k] - first));
    nl.second.push_back(static_cast<int>(send.data_ptr<int64_t>()[k] - first));
    const double* n = shift.data_ptr<double>() + 3 * k;
    nl.shifts.push_back({static_cast<int>(std::lround(n[0])), static_cast<int>(std::lround(n[1])),
                         static_cast<int>(std::lround(n[2]))});
  }
  return out;
}

template <class T>
EngineLoss engine_loss_as(Potential& model, const Batch& b, const LossWeights& w) {
  const ModelConfig& config = model->config();
  const Request r = request_for(b, config, &w);
  const infer::ModelWeights weights = infer_weights(model);
  const Structures st = structures_of(b, r);
  const std::vector<infer::Output> outs = infer::evaluate_batch<T>(weights, st.inputs);

  // The engine's outputs as leaves of loss_of, which gives dL/dE, dL/dF and dL/dσ.
  const int64_t nb = b.num_structures, n = b.positions.size(0);
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  std::vector<double> ev(nb), fv(3 * n, 0.0), wv(9 * nb, 0.0);
  for (int64_t s = 0; s < nb; ++s) {
    ev[s] = outs[s].energy;
    if (r.forces)
      for (int64_t i = 0; i < b.natoms[s]; ++i)
        for (int a = 0; a < 3; ++a) fv[3 * (b.offsets[s] + i) + a] = outs[s].forces[i](a);
    if (r.stress)
      for (int a = 0; a < 3; ++a)
        for (int c = 0; c < 3; ++c) wv[9 * s + 3 * a + c] = (*outs[s].virial)(a, c);
  }
  auto energy = torch::tensor(ev, f64), forces = torch::tensor(fv, f64).view({n, 3}),
       virial = torch::tensor(wv, f64).view({nb, 3, 3});
  const auto dtype = b.positions.scalar_type();
  Prediction p;
  p.energy = energy.to(dtype).requires_grad_(true);
  std::vector<torch::Tensor> leaves{p.energy};
  if (r.forces) {
    p.forces = forces.to(dtype).requires_grad_(true);
    leaves.push_back(p.forces);
  }
  torch::Tensor volume = b.volume().detach().to(dtype);
  if (r.stress) {
    p.virial = virial.to(dtype);
    // sigma = -W / V (potential.cpp); open structures carry no stress label (volume 0)
    p.stress = (-p.virial / volume.clamp_min(1e-300).view({nb, 1, 1})).requires_grad_(true);
    leaves.push_back(p.stress);
  }
  torch::Tensor loss = loss_of(b, p, w);
  std::vector<torch::Tensor> g =
      torch::autograd::grad({loss}, leaves, {}, false, false, /*allow_unused=*/true);
  for (std::size_t k = 0; k < g.size(); ++k)
    g[k] = g[k].defined() ? g[k].to(torch::kFloat64).contiguous() : torch::zeros_like(leaves[k]);

  std::vector<infer::OutputSeeds> seeds(nb);
  auto vol = volume.to(torch::kFloat64).contiguous();
  for (int64_t s = 0; s < nb; ++s) {
    infer::OutputSeeds& seed = seeds[s];
    seed.energy = g[0][s].item<double>();
    if (r.forces) {
      const double* gf = g[1].data_ptr<double>() + 3 * b.offsets[s];
      for (int64_t i = 0; i < b.natoms[s]; ++i)
        seed.forces.emplace_back(gf[3 * i], gf[3 * i + 1], gf[3 * i + 2]);
    }
    const double v = vol.data_ptr<double>()[s];
    if (r.stress && v > 0) {
      const double* gs = g.back().data_ptr<double>() + 9 * s;
      for (int a = 0; a < 3; ++a)
        for (int c = 0; c < 3; ++c) seed.virial(a, c) = -gs[3 * a + c] / v;  // dσ/dW = -1/V
    }
  }
  set_gradients(model, infer::gradient_batch<T>(weights.a, st.inputs, seeds));
  p.energy = p.energy.detach();
  if (p.forces.defined()) p.forces = p.forces.detach();
  if (p.stress.defined()) p.stress = p.stress.detach();
  return {loss.detach(), p};
}

}  // namespace

EngineLoss engine_loss(Potential& model, const Batch& batch, const LossWeights& w) {
  if (auto why = engine_unsupported(model->config(), w))
    throw Error("the training engine does not support " + *why);
  return model->dtype() == torch::kFloat32 ? engine_loss_as<float>(model, batch, w)
                                           : engine_loss_as<double>(model, batch, w);
}

}  // namespace lnet
