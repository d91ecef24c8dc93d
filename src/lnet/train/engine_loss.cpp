#include "lnet/train/engine_loss.hpp"

#include <cmath>

#include "lnet/core/error.hpp"
#include "lnet/infer/gradient.hpp"
#include "lnet/infer/long_range_gradient.hpp"
#include "lnet/model/infer_weights.hpp"

namespace lnet {

std::optional<std::string> engine_unsupported(const ModelConfig& model, const LossWeights&) {
  // The engine has every loss term of the model kinds it runs (a short-range model has no BEC,
  // polarization or polarizability terms: request_for drops them), so only the model matters.
  if (auto why = infer_unsupported(model)) return *why;
  return std::nullopt;
}

namespace {

// One structure of the batch as the engine's input, the networks' pairs rebuilt from the batch's
// edge tensors (ordered by structure, indices shifted by the structure's first atom).
struct Structures {
  std::vector<NeighborList> pairs, pairs_b;
  std::vector<infer::Input> inputs;
  std::vector<bool> periodic;
};

// Edge set e of a batch as one neighbour list per structure (indices from its first atom).
void split_edges(const Batch& b, const EdgeSet& e, std::vector<NeighborList>& out) {
  out.assign(b.num_structures, NeighborList{});
  auto recv = e.receiver.to(torch::kLong).contiguous(),
       send = e.sender.to(torch::kLong).contiguous(),
       which = e.structure.to(torch::kLong).contiguous();
  auto shift = e.shift.to(torch::kFloat64).contiguous();
  for (int64_t k = 0; k < recv.size(0); ++k) {
    const int64_t s = which.data_ptr<int64_t>()[k], first = b.offsets[s];
    NeighborList& nl = out[s];
    nl.first.push_back(static_cast<int>(recv.data_ptr<int64_t>()[k] - first));
    nl.second.push_back(static_cast<int>(send.data_ptr<int64_t>()[k] - first));
    const double* n = shift.data_ptr<double>() + 3 * k;
    nl.shifts.push_back({static_cast<int>(std::lround(n[0])), static_cast<int>(std::lround(n[1])),
                         static_cast<int>(std::lround(n[2]))});
  }
}

Structures structures_of(const Batch& b, const Request& r, bool long_range) {
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
    in.forces = r.forces;
    in.virial = r.stress;
  }
  split_edges(b, b.edges_a, out.pairs);
  auto field = b.efield.detach().to(torch::kFloat64).contiguous();
  for (int64_t s = 0; s < nb; ++s) {
    out.inputs[s].edges_a = &out.pairs[s];
    out.periodic.push_back(b.pbc[s][0]);
    for (int a = 0; a < 3; ++a) out.inputs[s].efield(a) = field.data_ptr<double>()[3 * s + a];
  }
  if (long_range) {
    split_edges(b, b.edges_b, out.pairs_b);
    for (int64_t s = 0; s < nb; ++s) {
      const auto& pbc = b.pbc[s];
      if (pbc[0] != pbc[1] || pbc[1] != pbc[2])
        throw InputError("structure " + std::to_string(s + 1),
                         "long-range electrostatics needs pbc all true or all false");
      out.inputs[s].edges_b = &out.pairs_b[s];
    }
  }
  return out;
}

// Rows [offsets[s], offsets[s] + natoms[s]) of an [N, ...] tensor of doubles, per structure.
template <class V, int K>
std::vector<V> rows_of(const torch::Tensor& t, const Batch& b, int64_t s) {
  const double* d = t.data_ptr<double>() + K * b.offsets[s];
  std::vector<V> out(b.natoms[s]);
  for (int64_t i = 0; i < b.natoms[s]; ++i)
    for (int k = 0; k < K; ++k) out[i].data()[k] = d[K * i + k];
  return out;
}

// The engine's evaluation of a batch, with what the gradient passes reuse: the structures and
// the electrostatics' parameters.
struct Values {
  Structures st;
  std::vector<std::vector<double>> sigma;             // Gaussian widths per structure
  std::vector<std::optional<es::Parameters>> params;  // resolved by the first evaluation
  Prediction p;                                       // detached, in the batch's dtype
};

template <class T>
Values values_of(Potential& model, const Batch& b, const Request& r,
                 const infer::ModelWeights& weights) {
  const ModelConfig& config = model->config();
  const bool lr = config.long_range;
  const int64_t nb = b.num_structures, n = b.positions.size(0);
  Values v{structures_of(b, r, lr), std::vector<std::vector<double>>(nb),
           std::vector<std::optional<es::Parameters>>(nb), Prediction{}};
  const Structures& st = v.st;

  // The electrostatics of each structure: the reference's (float64), parameters resolved once.
  std::vector<infer::ElectrostaticsFn> es_fn;
  if (lr)
    for (int64_t s = 0; s < nb; ++s) {
      for (int sp : st.inputs[s].species) v.sigma[s].push_back(weights.sigma.at(sp));
      es_fn.push_back(torch_electrostatics(model->electrostatics(), v.params[s],
                                           st.inputs[s].positions, st.inputs[s].cell,
                                           st.periodic[s], v.sigma[s]));
    }
  const std::vector<infer::Output> outs = infer::evaluate_batch<T>(weights, st.inputs, es_fn);
  std::vector<std::vector<Mat3>> bec;
  if (lr && r.bec) bec = infer::born_charges_batch<T>(weights, st.inputs);

  std::vector<double> ev(nb), fv(3 * n, 0.0), wv(9 * nb, 0.0), mv(3 * nb, 0.0), zv, qv, dv;
  if (!bec.empty()) zv.assign(9 * n, 0.0);
  for (int64_t s = 0; s < nb; ++s) {
    const infer::Output& o = outs[s];
    ev[s] = o.energy;
    for (int64_t i = 0; i < b.natoms[s]; ++i) {
      const int64_t g = b.offsets[s] + i;
      for (int a = 0; a < 3; ++a) {
        if (r.forces) fv[3 * g + a] = o.forces[i](a);
        for (int c = 0; c < 3 && !bec.empty(); ++c) zv[9 * g + 3 * a + c] = bec[s][i](a, c);
      }
    }
    if (r.stress)
      for (int a = 0; a < 3; ++a)
        for (int c = 0; c < 3; ++c) wv[9 * s + 3 * a + c] = (*o.virial)(a, c);
    if (lr) {
      for (int a = 0; a < 3; ++a) mv[3 * s + a] = (*o.dipole)(a);
      qv.insert(qv.end(), o.charges.begin(), o.charges.end());
      for (const Vec3& d : o.dipoles) dv.insert(dv.end(), d.data(), d.data() + 3);
    }
  }
  const auto dtype = b.positions.scalar_type();
  auto tensor = [&](const std::vector<double>& x, std::vector<int64_t> shape) {
    return torch::tensor(x, torch::kFloat64).view(shape).to(dtype);
  };
  Prediction& p = v.p;
  p.energy = tensor(ev, {nb});
  if (r.forces) p.forces = tensor(fv, {n, 3});
  if (r.stress) {
    p.virial = tensor(wv, {nb, 3, 3});
    // sigma = -W / V (potential.cpp); open structures carry no stress label (volume 0)
    p.stress = -p.virial / b.volume().detach().to(dtype).clamp_min(1e-300).view({nb, 1, 1});
  }
  if (lr) {
    p.polarization = tensor(mv, {nb, 3});
    p.charges = tensor(qv, {n});
    p.dipoles = tensor(dv, {n, 3});
  }
  if (!bec.empty()) p.bec = tensor(zv, {n, 3, 3});
  return v;
}

template <class T>
EngineLoss engine_loss_as(Potential& model, const Batch& b, const LossWeights& w) {
  const ModelConfig& config = model->config();
  const Request r = request_for(b, config, &w);
  const infer::ModelWeights weights = infer_weights(model);
  const bool lr = config.long_range;
  Values v = values_of<T>(model, b, r, weights);
  const Structures& st = v.st;
  const int64_t nb = b.num_structures;

  // The engine's outputs as leaves of loss_of, which gives dL/dE, dL/dF, dL/dσ, dL/dM, dL/dZ.
  Prediction& p = v.p;
  std::vector<torch::Tensor> leaves;
  for (torch::Tensor* t : {&p.energy, &p.forces, &p.stress, &p.polarization, &p.bec})
    if (t->defined()) leaves.push_back(t->requires_grad_(true));
  torch::Tensor loss = loss_of(b, p, w);
  std::vector<torch::Tensor> g =
      torch::autograd::grad({loss}, leaves, {}, false, false, /*allow_unused=*/true);
  for (std::size_t k = 0; k < g.size(); ++k)
    g[k] = g[k].defined() ? g[k].to(torch::kFloat64).contiguous() : torch::zeros_like(leaves[k]);
  std::size_t k = 1;
  const torch::Tensor ge = g[0], gf = r.forces ? g[k++] : torch::Tensor(),
                      gs = r.stress ? g[k++] : torch::Tensor(), gm = lr ? g[k++] : torch::Tensor(),
                      gz = p.bec.defined() ? g[k++] : torch::Tensor();

  std::vector<infer::OutputSeeds> seeds(nb);
  std::vector<infer::LongRangeSeeds> seeds_b(lr ? nb : 0);
  auto vol = b.volume().detach().to(torch::kFloat64).contiguous();
  for (int64_t s = 0; s < nb; ++s) {
    infer::OutputSeeds& seed = seeds[s];
    seed.energy = ge[s].item<double>();
    if (r.forces) seed.forces = rows_of<Vec3, 3>(gf, b, s);
    const double v = vol.data_ptr<double>()[s];
    if (r.stress && v > 0) {
      const double* d = gs.data_ptr<double>() + 9 * s;
      for (int a = 0; a < 3; ++a)
        for (int c = 0; c < 3; ++c) seed.virial(a, c) = -d[3 * a + c] / v;  // dσ/dW = -1/V
    }
    if (lr) {
      infer::LongRangeSeeds& sb = seeds_b[s];
      sb.energy = seed.energy;
      sb.forces = seed.forces;
      sb.virial = seed.virial;
      for (int a = 0; a < 3; ++a) sb.dipole(a) = gm.data_ptr<double>()[3 * s + a];
      if (gz.defined()) {
        // Mat3 is column-major: fill it from the row-major [3, 3] block element by element.
        const std::vector<Eigen::Matrix<double, 9, 1>> z =
            rows_of<Eigen::Matrix<double, 9, 1>, 9>(gz, b, s);
        for (const auto& zi : z) {
          Mat3 m;
          for (int a = 0; a < 3; ++a)
            for (int c = 0; c < 3; ++c) m(a, c) = zi(3 * a + c);
          sb.bec.push_back(m);
        }
      }
    }
  }
  infer::ShortRangeWeights grad_a = infer::gradient_batch<T>(weights.a, st.inputs, seeds);
  if (lr) {
    std::vector<infer::ElectrostaticsTangentFn> tangent;
    for (int64_t s = 0; s < nb; ++s)
      tangent.push_back(torch_electrostatics_tangent(model->electrostatics(), *v.params[s],
                                                     st.inputs[s].positions, st.inputs[s].cell,
                                                     st.periodic[s], v.sigma[s]));
    infer::PolarizationWeights grad_b =
        infer::long_range_gradient_batch<T>(weights, st.inputs, seeds_b, tangent);
    set_gradients(model, std::move(grad_a), &grad_b);
  } else {
    set_gradients(model, std::move(grad_a));
  }
  for (torch::Tensor* t : {&p.energy, &p.forces, &p.stress, &p.polarization, &p.bec})
    if (t->defined()) *t = t->detach();
  return {loss.detach(), p};
}

}  // namespace

Prediction engine_predict(Potential& model, const Batch& batch, const Request& request) {
  if (auto why = infer_unsupported(model->config()))
    throw Error("the training engine does not support " + *why);
  const infer::ModelWeights weights = infer_weights(model);
  return model->dtype() == torch::kFloat32 ? values_of<float>(model, batch, request, weights).p
                                           : values_of<double>(model, batch, request, weights).p;
}

EngineLoss engine_loss(Potential& model, const Batch& batch, const LossWeights& w) {
  if (auto why = engine_unsupported(model->config(), w))
    throw Error("the training engine does not support " + *why);
  return model->dtype() == torch::kFloat32 ? engine_loss_as<float>(model, batch, w)
                                           : engine_loss_as<double>(model, batch, w);
}

}  // namespace lnet
