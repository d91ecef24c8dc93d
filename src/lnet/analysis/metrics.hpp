// Errors of predictions against reference labels, as `lnet train` and `lnet eval` report them
// (overall and per species; the Born-charge sum-rule violation). Plain arrays: the calculator's
// Evaluation against a labelled Structure.
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "lnet/core/force_field.hpp"

namespace lnet {

// A difference d of Born dipoles modulo the polarization quantum e·R (DESIGN.md §2.2, as the
// loss folds it): d = Σ f_a a_a in lattice coordinates (rows a_a of `cell`), f_a - round(f_a)
// kept. A zero cell (open structure): d as it is.
Vec3 fold_dipole(const Vec3& d, const Mat3& cell);

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
  ErrorStats energy;          // eV/atom
  ErrorStats forces;          // eV/Å, per component
  ErrorStats stress;          // eV/Å^3, per component
  ErrorStats bec;             // e, per component
  ErrorStats polarization;    // Born dipole M, e·Å, per component, folded by the quantum e·R
  ErrorStats polarizability;  // alpha_cell, e·Å²/V, per component (polarizable models)
  ErrorStats epsilon_inf;     // ε∞ tensor, per component (periodic, polarizable models)
  std::map<int, ErrorStats> forces_by_species, bec_by_species;  // by atomic number
  double asr_max = 0;   // largest |sum_i Z*_i| (max abs element) over structures
  double loss_sum = 0;  // training loss summed over batches (training only)
  long batches = 0;

  // Each label counts where `ref` has it and `pred` predicts it (stress from the virial of a
  // periodic structure; M from `dipole` or `polarization` × V; alpha_cell and ε∞ each from
  // either the `polarizability` or the `epsilon_inf` label, converted with the volume).
  void add(const Structure& ref, const Evaluation& pred);
  nlohmann::json to_json() const;  // meV/atom, meV/Å, meV/Å^3, e, e·Å, e·Å²/V, 1
  std::string table(const std::string& title) const;
};

}  // namespace lnet
