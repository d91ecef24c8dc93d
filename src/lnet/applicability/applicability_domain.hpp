// The model's applicability domain: what the training set covered, stored with the
// model, and how far a structure lies outside it. Two cheap, model-independent measures:
//  - the shortest distance seen in training per species pair: a structure whose closest
//    contact is shorter probes the repulsive wall where the model has no data (the NaCl force
//    errors grow 5-10x there);
//  - the novelty of each atomic environment: a fixed invariant descriptor (radial Gaussians per
//    neighbour species, a smooth neighbour histogram) compared with the range each component
//    took over the training atoms of the same species. 0 means inside the training range of
//    every component; 0.5 means half a training range (or 0.5 of `kMinRange` neighbours)
//    beyond it.
// Chosen over the networks' own features or a committee because it costs one neighbour-list
// pass (no second model, no torch), does not depend on which engine evaluates the model, and
// its numbers mean something to a user (neighbour counts, distances).
#pragma once
#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "lnet/core/structure.hpp"

namespace lnet {

// When a structure counts as outside the domain. A held-out frame of the training distribution
// typically exceeds some component range by a few per cent of it, so novelty up to 0.1 is
// tolerated; any contact shorter than the shortest one trained on counts.
struct ApplicabilityLimits {
  double novelty = 0.1;
  double distance_ratio = 1.0;
};

struct ApplicabilityReport {
  double novelty = 0;            // largest atom novelty (0: every atom inside)
  int novel_atom = -1;           // 0-based atom with the largest novelty, -1 if none
  double distance_ratio = 1e30;  // min over pairs of r_ij / (shortest training r for the pair)
  std::array<int, 2> close_pair{-1, -1};  // 0-based atoms of that pair
  std::vector<double> atom_novelty;       // per atom
  bool outside(const ApplicabilityLimits& limits) const {
    return novelty > limits.novelty || distance_ratio < limits.distance_ratio;
  }
  // One line for logs and errors, atoms 1-based with element symbols.
  std::string describe(const Structure& s) const;
};

class ApplicabilityDomain {
 public:
  static constexpr int kRadialFunctions = 8;
  static constexpr double kMinRange = 0.25;  // neighbours: novelty scale of a constant component

  ApplicabilityDomain() = default;  // empty: a model trained before the domain was recorded
  // The training set's domain for `species` (atomic numbers) and the short-range `cutoff` (Å).
  static ApplicabilityDomain fit(const std::vector<const Structure*>& training,
                                 const std::vector<int>& species, double cutoff);
  bool empty() const { return species_.empty(); }

  // Throws InputError naming the element when `s` holds a species the domain does not know.
  ApplicabilityReport assess(const Structure& s) const;

  nlohmann::json to_json() const;
  // InputError(where, ...) for a malformed record.
  static ApplicabilityDomain from_json(const nlohmann::json& j, const std::string& where);

  // Shortest training distance of the pair (a, b) of atomic numbers; the cutoff when the pair
  // never came closer than the cutoff in training.
  double min_distance(int a, int b) const;

 private:
  // Descriptor rows (kRadialFunctions per neighbour species) of every atom of `s`.
  std::vector<std::vector<double>> descriptors(const Structure& s) const;
  int index_of(int z) const;

  double cutoff_ = 0;
  std::vector<int> species_;
  std::map<std::pair<int, int>, double> min_distance_;  // (a <= b) atomic numbers
  std::vector<std::vector<double>> lo_, hi_;            // per species index, per component
  std::vector<long> atoms_;                             // training atoms per species
};

}  // namespace lnet
