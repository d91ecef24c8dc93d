// The training loss and its weight gradient through the CPU inference engine instead of torch
// autograd (docs/DESIGN.md §2.3a): exact, for short-range and non-polarizable long-range models.
#pragma once
#include <optional>
#include <string>

#include "lnet/train/loss.hpp"

namespace lnet {

// Why the engine cannot train `model` with the loss weights `w` (the missing capability, e.g.
// "polarizable models"), or nullopt when it can.
std::optional<std::string> engine_unsupported(const ModelConfig& model, const LossWeights& w);

struct EngineLoss {
  torch::Tensor loss;  // scalar, no graph
  // energy, forces / virial and stress where the loss asks for them; long range: charges,
  // dipoles, M and Born charges where the loss asks for them
  Prediction prediction;
};

// The loss of `batch`, loss_of(batch, model->forward(batch, request_for(batch, config, &w)), w),
// and its gradient: every parameter's .grad() is set to dL/dθ, as loss.backward() would leave
// it. Energies and derivatives come from the engine in the model's dtype (float: Dual<float>),
// the structures in parallel over the OpenMP threads; the loss itself is loss_of on them.
// Throws lnet::Error for an unsupported model (engine_unsupported).
EngineLoss engine_loss(Potential& model, const Batch& batch, const LossWeights& w);

// What model->forward(batch, request) gives (energy, forces, virial and stress, charges, dipoles,
// M and Born charges as requested; no graph), from the engine: the validation of a run that
// trains through it. Throws lnet::Error for a model the engine cannot run.
Prediction engine_predict(Potential& model, const Batch& batch, const Request& request);

}  // namespace lnet
