#include "lnet/train/convergence.hpp"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <cmath>

namespace lnet {

std::string to_string(StopReason reason) {
  switch (reason) {
    case StopReason::early_stopping:
      return "early_stopping";
    case StopReason::time_budget:
      return "time_budget";
    default:
      return "epochs";
  }
}

ConvergenceReport assess_convergence(const std::vector<double>& scores,
                                     const std::vector<double>& lrs, double initial_lr,
                                     double min_lr, StopReason reason, double minutes) {
  ConvergenceReport r;
  r.reason = reason;
  const int n = static_cast<int>(scores.size());
  for (double lr : lrs) {
    r.lr_decayed = r.lr_decayed || lr < initial_lr * (1 - 1e-12);
    r.lr_at_floor = r.lr_at_floor || lr <= min_lr * (1 + 1e-12);
  }
  // Best score so far after each epoch: the model kept is the best one.
  std::vector<double> best(scores.size());
  double b = INFINITY;
  for (int k = 0; k < n; ++k) best[k] = b = std::min(b, scores[k]);
  r.window = std::max(kMinWindow, n / 5);
  if (n > r.window && std::isfinite(best[n - 1 - r.window]) && best[n - 1 - r.window] > 0)
    r.recent_improvement = 1 - best[n - 1] / best[n - 1 - r.window];
  else
    r.recent_improvement = INFINITY;  // too short a history to call it flat
  const bool flat = r.recent_improvement < kFlatImprovement;
  r.converged = reason == StopReason::early_stopping || flat;

  const std::string schedule = r.lr_at_floor
                                   ? "the learning rate reached its floor (scheduler.min_lr)"
                               : r.lr_decayed ? "the learning rate was lowered but not to its floor"
                                              : "the learning rate was never lowered";
  if (reason == StopReason::early_stopping) {
    r.text = fmt::format(
        "converged: no validation improvement for early_stopping_patience epochs ({}). A more "
        "accurate model now needs more capacity (model.network_a.channels, l_max, layers) or "
        "more data, not more epochs.",
        schedule);
  } else if (flat) {
    r.text = fmt::format(
        "converged: the best validation score improved by {:.1f} % over the last {} epochs "
        "({}).{}",
        100 * r.recent_improvement, r.window, schedule,
        r.lr_decayed ? ""
                     : " A lower learning rate may still gain: lower training.lr or "
                       "scheduler.patience.");
  } else {
    const std::string by = reason == StopReason::time_budget
                               ? fmt::format("the time budget ({:.0f} minutes)", minutes)
                               : fmt::format("training.epochs ({})", n);
    const std::string gain =
        std::isfinite(r.recent_improvement)
            ? fmt::format(
                  "the best validation score still improved by {:.1f} % over the last "
                  "{} epochs",
                  100 * r.recent_improvement, r.window)
            : fmt::format("only {} epochs ran, too few to judge", n);
    const std::string more =
        reason == StopReason::time_budget
            ? fmt::format("raise training.max_minutes (e.g. to {:.0f}) and resume with --resume",
                          std::max(2.0 * minutes, minutes + 10))
            : fmt::format("raise training.epochs (e.g. to {}) and resume with --resume",
                          std::max(2 * n, n + 10));
    r.text = fmt::format("NOT converged: cut by {} while {}; {}. To converge, {}.", by, gain,
                         schedule, more);
  }
  return r;
}

}  // namespace lnet
