// Errors of predictions against reference labels, as `lnet train` and `lnet eval` report them
// (overall and per species; the Born-charge sum-rule violation). Plain arrays: the calculator's
// Evaluation against a labelled Structure.
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "lnet/core/force_field.hpp"

namespace lnet {

// Sums of absolute and squared errors.
struct ErrorStats {
  double sum_abs = 0, sum_sq = 0;
  long count = 0;
  void add(double diff) {
    sum_abs += std::abs(diff);
    sum_sq += diff * diff;
    ++count;
  }
  double mae() const { return count ? sum_abs / count : 0; }
  double rmse() const { return count ? std::sqrt(sum_sq / count) : 0; }
};

struct Metrics {
  ErrorStats energy;                                            // eV/atom
  ErrorStats forces;                                            // eV/Å, per component
  ErrorStats stress;                                            // eV/Å^3, per component
  ErrorStats bec;                                               // e, per component
  std::map<int, ErrorStats> forces_by_species, bec_by_species;  // by atomic number
  double asr_max = 0;   // largest |sum_i Z*_i| (max abs element) over structures
  double loss_sum = 0;  // training loss summed over batches (training only)
  long batches = 0;

  // Each label counts where `ref` has it and `pred` predicts it (stress from the virial of a
  // periodic structure).
  void add(const Structure& ref, const Evaluation& pred);
  nlohmann::json to_json() const;  // meV/atom, meV/Å, meV/Å^3, e
  std::string table(const std::string& title) const;
};

}  // namespace lnet
