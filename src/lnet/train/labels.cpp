#include "lnet/train/labels.hpp"

#include <algorithm>
#include <set>

#include "lnet/core/error.hpp"
#include "lnet/core/text.hpp"
#include "lnet/util/spelling.hpp"

namespace lnet {

namespace {

// The loss terms and the labels each learns from (DESIGN.md §2).
struct Term {
  std::string name;
  double LossWeights::*weight;
  std::vector<std::string> labels;
  std::vector<std::string> aliases;  // names public data sets use, for the hint
};

const std::vector<Term>& terms() {
  static const std::vector<Term> all = {
      {"energy",
       &LossWeights::energy,
       {"energy"},
       {"total_energy", "free_energy", "REF_energy", "dft_energy", "energy_dft", "Energy"}},
      {"forces",
       &LossWeights::forces,
       {"forces"},
       {"REF_forces", "force", "dft_forces", "forces_dft", "Forces"}},
      {"stress",
       &LossWeights::stress,
       {"stress", "virial"},
       {"REF_stress", "dft_stress", "REF_virial", "Stress", "virials"}},
      {"bec",
       &LossWeights::bec,
       {"bec"},
       {"born_charge", "born_charges", "BEC", "REF_bec", "bec_dft", "zeu",
        "born_effective_charges"}},
      {"polarization",
       &LossWeights::polarization,
       {"dipole", "polarization"},
       {"REF_dipole", "total_polarization", "REF_polarization", "dipole_moment", "Dipole"}},
      {"polarizability",
       &LossWeights::polarizability,
       {"polarizability", "epsilon_inf"},
       {"REF_polarizability", "polarizability_tensor", "alpha", "dielectric", "epsilon"}}};
  return all;
}

// Keys present in `frames` that lnet did not read as labels (frame-level, atom-level).
std::pair<std::set<std::string>, std::set<std::string>> unused_keys(
    const std::vector<Structure>& frames) {
  std::set<std::string> frame_keys, atom_keys;
  for (const Structure& s : frames) {
    for (const auto& [key, value] : s.info) frame_keys.insert(key);
    for (const auto& [name, column] : s.extra_arrays) atom_keys.insert(name);
  }
  return {frame_keys, atom_keys};
}

// The key of the file most likely meant for `term`: a known alias, a name containing the
// label's name, or a close misspelling of the key looked for.
std::string suggestion(const Term& term, const LabelKeys& keys,
                       const std::set<std::string>& found) {
  for (const std::string& alias : term.aliases)
    if (found.count(alias)) return alias;
  for (const std::string& key : found)
    for (const std::string& label : term.labels)
      if (key.find(label) != std::string::npos) return key;
  std::vector<std::string> candidates(found.begin(), found.end());
  for (const std::string& label : term.labels) {
    const std::string close = closest_match(keys.key_of(label), candidates);
    if (!close.empty()) return close;
  }
  return "";
}

}  // namespace

std::vector<std::string> check_loss_labels(const std::vector<Structure>& train,
                                           const std::vector<Structure>& valid,
                                           const TrainConfig& c) {
  if (c.loss.polarizability > 0 && !c.model.polarizable)
    throw InputError(c.source,
                     "training.loss.polarizability = " + std::to_string(c.loss.polarizability) +
                         " needs a polarizable model (model.polarizable: true)");
  const auto in_train = count_labels(train), in_valid = count_labels(valid);
  std::vector<std::string> warnings;
  for (const Term& term : terms()) {
    if (!(c.loss.*term.weight > 0)) continue;
    std::size_t n_train = 0, n_valid = 0;
    for (const std::string& label : term.labels)
      n_train += in_train.at(label), n_valid += in_valid.at(label);
    if (n_train > 0) {
      if (n_valid == 0 && !valid.empty())
        warnings.push_back("training.loss." + term.name + " has labels in " +
                           std::to_string(n_train) +
                           " training frames but none in the validation set: its validation "
                           "error cannot be measured");
      continue;
    }
    std::vector<std::string> looked;
    for (const std::string& label : term.labels) {
      std::string key = c.keys.key_of(label);
      if (label == "forces" && c.keys.forces.empty()) key += "/force";
      if (label == "bec" && c.keys.bec.empty()) key += "/BEC";
      looked.push_back("'" + key + "'");
    }
    const auto [frame_keys, atom_keys] = unused_keys(train);
    std::set<std::string> all = frame_keys;
    all.insert(atom_keys.begin(), atom_keys.end());
    std::string message = "training.loss." + term.name + " = " +
                          std::to_string(c.loss.*term.weight) + " but none of the " +
                          std::to_string(train.size()) + " training structures has " + term.name +
                          " labels (looked for " + join(looked) + ")";
    message += "; the data has per-frame keys [" + join({frame_keys.begin(), frame_keys.end()}) +
               "] and per-atom columns [" + join({atom_keys.begin(), atom_keys.end()}) + "]";
    if (const std::string hint = suggestion(term, c.keys, all); !hint.empty())
      message += " (did you mean data.keys: {" + term.labels.front() + ": " + hint + "}?)";
    else
      message += "; map the label with data.keys or set the weight to 0";
    throw InputError(c.source, message);
  }
  return warnings;
}

}  // namespace lnet
