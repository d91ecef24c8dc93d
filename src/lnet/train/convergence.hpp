// Whether a training run converged, from its validation history: what a user needs at the end of
// `lnet train` to know if the model is as good as this setup gets or was cut short, and what to
// change. A run counts as converged when early stopping ended it (no improvement for
// early_stopping_patience epochs) or when its best validation score improved by less than
// kFlatImprovement over the last fifth of its epochs (at least kMinWindow); otherwise it was
// cut, by the epoch count or the time budget, while still improving.
#pragma once
#include <string>
#include <vector>

namespace lnet {

// Why the epoch loop ended.
enum class StopReason { epochs, early_stopping, time_budget };

struct ConvergenceReport {
  bool converged = false;
  StopReason reason = StopReason::epochs;
  // Relative improvement of the best validation score over the last `window` epochs.
  double recent_improvement = 0;
  int window = 0;
  bool lr_decayed = false;   // the plateau schedule lowered the learning rate at least once
  bool lr_at_floor = false;  // it reached scheduler.min_lr
  std::string text;          // one paragraph: verdict, evidence, suggestion
};

inline constexpr double kFlatImprovement = 0.02;
inline constexpr int kMinWindow = 3;

// `scores`: the validation score after each epoch (lower is better); `lrs`: the learning rate
// after each epoch; `minutes`: the wall time of the run so far. Suggestions name the keys to
// change (training.epochs, training.max_minutes) with values.
ConvergenceReport assess_convergence(const std::vector<double>& scores,
                                     const std::vector<double>& lrs, double initial_lr,
                                     double min_lr, StopReason reason, double minutes);

std::string to_string(StopReason reason);

}  // namespace lnet
