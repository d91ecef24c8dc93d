// Everything that defines a model besides its weights: hyperparameters of networks A and B,
// species, nominal charges, Gaussian widths, screening, electrostatics accuracy, and the
// statistics fitted from the training set (DESIGN.md §1). Stored as JSON in the model file.
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "lnet/infer/network_spec.hpp"

namespace lnet {

struct ModelConfig {
  std::vector<int> species;  // atomic numbers, ascending; index = species id
  std::string dtype = "float64";
  infer::NetworkSpec network_a;

  // Long range (DESIGN.md §1): network B gives dipoles and optional charge corrections.
  bool long_range = false;
  infer::NetworkSpec network_b{4.0, 8, 5, 2, 1, 16, 2, 2, 32};
  bool learn_charges = false;     // charge transfer along bonds driven by network B (neutral)
  std::map<int, double> charges;  // nominal q0 per atomic number (missing: 0)
  std::map<int, double> sigma;    // Gaussian width per atomic number (missing: 1 Å)
  double epsilon_s = 1.0;         // screening of E_es
  // Polarizable model (DESIGN.md §1): network B also gives per-atom polarizabilities
  // and the long range solves for induced dipoles; screening is then explicit, so epsilon_s
  // must stay 1. Stored in the model file only when on (earlier files load unchanged).
  bool polarizable = false;
  // Adds an l = 2 (traceless, symmetric) part to each atom's polarizability from network B's
  // last layer (needs network_b.l_max >= 2); the tensor stays positive definite and below the
  // stability bound (networks.hpp).
  bool anisotropic_polarizability = false;
  double induction_tolerance = 1e-8;  // relative CG residual (electrostatics/induction.hpp)
  double es_accuracy = 1e-5;          // requested relative force accuracy
  std::string es_method = "auto";     // auto | ewald | pme | direct

  // Fitted from the training set before training.
  std::vector<double> e0;     // per-species reference energies (eV)
  double energy_scale = 1.0;  // network A output scale (eV)
  double avg_neighbors_a = 1.0, avg_neighbors_b = 1.0;
  // The training set's applicability domain (lnet::ApplicabilityDomain::to_json,
  // src/lnet/applicability); null for models trained before it was recorded.
  nlohmann::json applicability_domain;

  int species_index(int z) const;  // throws InputError for an unknown element
  double max_cutoff() const;
};

// An out-of-range value: `field` is its dotted JSON key ("network_a.cutoff", "epsilon_s").
struct ConfigProblem {
  std::string field, what;
};

// The one place where the valid range of every ModelConfig field is written down (the networks'
// hyperparameters through infer::find_problem of their NetworkSpec); used by the training config
// reader and the model-file reader alike. Returns the first problem, if any. Fitted statistics
// may be unset (species and e0 empty) as before training.
std::optional<ConfigProblem> find_problem(const ModelConfig& config);
// Throws InputError(where, "<prefix><field>: <what>") for the first problem.
void validate(const ModelConfig& config, const std::string& where, const std::string& prefix = "");

void to_json(nlohmann::json& j, const ModelConfig& c);
void from_json(const nlohmann::json& j, ModelConfig& c);

}  // namespace lnet
