// The training loss (DESIGN.md §2) and the error metrics reported by `lnet train`/`lnet eval`.
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "lnet/model/potential.hpp"
#include "lnet/train/train_config.hpp"

namespace lnet {

// What a batch needs predicted for the loss or the metrics: derivatives only where some
// structure carries the label and (for the loss) the weight is nonzero.
Request request_for(const Batch& batch, const ModelConfig& model, const LossWeights* weights);

// L = w_E <((E - E_ref)/N)^2> + w_F <|F - F_ref|^2> + w_S <|s - s_ref|^2> + w_Z <|Z - Z_ref|^2>
//   + w_M <|fold(M - M_ref)|^2>; each mean runs over the structures/atoms carrying that label,
// weighted by the structure weights; absent labels drop out.
torch::Tensor loss_of(const Batch& batch, const Prediction& p, const LossWeights& w);

// Sums of absolute and squared errors.
struct ErrorStats {
  double sum_abs = 0, sum_sq = 0;
  long count = 0;
  void add(const torch::Tensor& diff);  // every element counts once
  double mae() const { return count ? sum_abs / count : 0; }
  double rmse() const { return count ? std::sqrt(sum_sq / count) : 0; }
};

struct Metrics {
  ErrorStats energy;  // eV/atom
  ErrorStats forces;  // eV/Å, per component
  ErrorStats stress;  // eV/Å^3, per component
  ErrorStats bec;     // e, per component
  std::map<int, ErrorStats> forces_by_species, bec_by_species;  // by atomic number
  double asr_max = 0;  // largest |sum_i Z*_i| (max abs element) over structures
  double loss_sum = 0;
  long batches = 0;

  void add(const Batch& batch, const Prediction& p);
  // Validation score used for the schedule and early stopping: the loss-weighted errors.
  double score(const LossWeights& w) const;
  nlohmann::json to_json() const;  // meV/atom, meV/Å, meV/Å^3, e
  std::string table(const std::string& title) const;
};

}  // namespace lnet
