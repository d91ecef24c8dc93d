// The training loss (DESIGN.md §2) and the validation score derived from the error metrics.
#pragma once
#include "lnet/analysis/metrics.hpp"
#include "lnet/model/potential.hpp"
#include "lnet/train/train_config.hpp"

namespace lnet {

// What a batch needs predicted for the loss or the metrics: derivatives only where some
// structure carries the label and (for the loss) the weight is nonzero.
Request request_for(const Batch& batch, const ModelConfig& model, const LossWeights* weights);

// L = w_E <((E - E_ref)/N)^2> + w_F <|F - F_ref|^2> + w_S <|s - s_ref|^2> + w_Z <|Z - Z_ref|^2>
//   + w_M <|fold(M - M_ref)|^2> + w_alpha <|alpha_cell - alpha_ref|^2>; each mean runs over the
//   structures/atoms carrying that label,
// weighted by the structure weights; absent labels drop out.
torch::Tensor loss_of(const Batch& batch, const Prediction& p, const LossWeights& w);

// Validation score used for the schedule and early stopping: the loss-weighted squared errors,
// sum_k w_k RMSE_k² × (components: 1 energy, 3 forces, 9 stress, 9 Z*, 3 M folded, 9 alpha_cell)
// over the terms with a positive weight, so that it tracks the loss.
double validation_score(const Metrics& m, const LossWeights& w);

}  // namespace lnet
