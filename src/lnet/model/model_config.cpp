#include "lnet/model/model_config.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"

namespace lnet {

int ModelConfig::species_index(int z) const {
  auto it = std::find(species.begin(), species.end(), z);
  if (it == species.end())
    throw InputError("", "element " + element_symbol(z) + " is not among the model's species");
  return static_cast<int>(it - species.begin());
}

double ModelConfig::max_cutoff() const {
  return long_range ? std::max(network_a.cutoff, network_b.cutoff) : network_a.cutoff;
}

namespace {

std::string text(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// Each check returns the problem of one field or nothing; find_problem() takes the first.
using Problem = std::optional<ConfigProblem>;

Problem positive(const std::string& field, double v) {
  if (std::isfinite(v) && v > 0) return {};
  return ConfigProblem{field, "must be positive and finite, got " + text(v)};
}

// The hyperparameters' ranges live with the spec (infer/network_spec.cpp).
Problem network_problem(const std::string& name, const infer::NetworkSpec& spec) {
  if (auto q = infer::find_problem(spec, name)) return ConfigProblem{q->field, q->what};
  return {};
}

Problem per_element_problem(const std::string& field, const std::map<int, double>& m,
                            bool must_be_positive) {
  for (auto [z, v] : m) {
    if (z < 1 || z > 118) return ConfigProblem{field, "invalid atomic number " + std::to_string(z)};
    const std::string key = field + "." + element_symbol(z);
    if (must_be_positive) {
      if (Problem q = positive(key, v)) return q;
    } else if (!std::isfinite(v)) {
      return ConfigProblem{key, "must be finite, got " + text(v)};
    }
  }
  return {};
}

Problem species_problem(const ModelConfig& c) {
  for (std::size_t s = 0; s < c.species.size(); ++s) {
    if (c.species[s] < 1 || c.species[s] > 118)
      return ConfigProblem{"species", "invalid atomic number " + std::to_string(c.species[s])};
    if (s > 0 && c.species[s] <= c.species[s - 1])
      return ConfigProblem{"species", "atomic numbers must be strictly ascending"};
  }
  if (c.e0.size() != c.species.size())
    return ConfigProblem{"e0", std::to_string(c.e0.size()) + " values for " +
                                   std::to_string(c.species.size()) + " species"};
  for (double e : c.e0)
    if (!std::isfinite(e)) return ConfigProblem{"e0", "must be finite, got " + text(e)};
  return {};
}

Problem physics_problem(const ModelConfig& c) {
  if (c.dtype != "float64" && c.dtype != "float32")
    return ConfigProblem{"dtype", "expected float64 or float32, got '" + c.dtype + "'"};
  // epsilon_s is a dielectric constant (DESIGN.md §1: epsilon_inf of the material), which is
  // at least 1 (vacuum); values below would amplify, not screen, the electrostatics.
  if (!(std::isfinite(c.epsilon_s) && c.epsilon_s >= 1))
    return ConfigProblem{"epsilon_s",
                         "must be a finite dielectric constant >= 1, got " + text(c.epsilon_s)};
  if (c.polarizable && c.epsilon_s != 1.0)
    return ConfigProblem{"epsilon_s",
                         "must be 1 in a polarizable model (the induced dipoles "
                         "screen explicitly), got " +
                             text(c.epsilon_s)};
  if (c.polarizable && !c.long_range)
    return ConfigProblem{"polarizable", "needs long_range: true (network B)"};
  if (c.anisotropic_polarizability && !c.polarizable)
    return ConfigProblem{"anisotropic_polarizability", "needs polarizable: true"};
  if (c.long_range && c.network_b.l_max < 1)
    return ConfigProblem{"network_b.l_max",
                         "must be >= 1 in a long-range model (the dipoles are network B's l = 1 "
                         "features), got 0"};
  if (c.anisotropic_polarizability && c.network_b.l_max < 2)
    return ConfigProblem{"anisotropic_polarizability",
                         "needs network_b.l_max >= 2 (the l = 2 features), got l_max " +
                             std::to_string(c.network_b.l_max)};
  if (!(c.induction_tolerance > 0 && c.induction_tolerance < 1e-2))
    return ConfigProblem{"induction_tolerance",
                         "must be in (0, 0.01), got " + text(c.induction_tolerance)};
  if (!(c.es_accuracy > 0 && c.es_accuracy < 1))
    return ConfigProblem{"es_accuracy", "must be in (0, 1), got " + text(c.es_accuracy)};
  if (c.es_method != "auto" && c.es_method != "ewald" && c.es_method != "pme" &&
      c.es_method != "direct")
    return ConfigProblem{"es_method",
                         "expected auto, ewald, pme or direct, got '" + c.es_method + "'"};
  return {};
}

}  // namespace

std::optional<ConfigProblem> find_problem(const ModelConfig& c) {
  for (Problem q :
       {physics_problem(c), network_problem("network_a", c.network_a),
        network_problem("network_b", c.network_b), per_element_problem("charges", c.charges, false),
        per_element_problem("sigma", c.sigma, true), species_problem(c),
        positive("energy_scale", c.energy_scale), positive("avg_neighbors_a", c.avg_neighbors_a),
        positive("avg_neighbors_b", c.avg_neighbors_b)})
    if (q) return q;
  return {};
}

void validate(const ModelConfig& c, const std::string& where, const std::string& prefix) {
  if (auto q = find_problem(c)) throw InputError(where, prefix + q->field + ": " + q->what);
}

namespace {
// JSON object keys must be strings: store per-element maps by symbol.
nlohmann::json by_symbol(const std::map<int, double>& m) {
  nlohmann::json j = nlohmann::json::object();
  for (auto [z, v] : m) j[element_symbol(z)] = v;
  return j;
}
std::map<int, double> from_symbol(const nlohmann::json& j) {
  std::map<int, double> m;
  for (auto it = j.begin(); it != j.end(); ++it)
    m[atomic_number(it.key())] = it.value().get<double>();
  return m;
}
}  // namespace

void to_json(nlohmann::json& j, const ModelConfig& c) {
  j = {{"species", c.species},
       {"dtype", c.dtype},
       {"network_a", c.network_a},
       {"long_range", c.long_range},
       {"network_b", c.network_b},
       {"learn_charges", c.learn_charges},
       {"charges", by_symbol(c.charges)},
       {"sigma", by_symbol(c.sigma)},
       {"epsilon_s", c.epsilon_s},
       {"es_accuracy", c.es_accuracy},
       {"es_method", c.es_method},
       {"e0", c.e0},
       {"energy_scale", c.energy_scale},
       {"avg_neighbors_a", c.avg_neighbors_a},
       {"avg_neighbors_b", c.avg_neighbors_b}};
  if (!c.applicability_domain.is_null()) j["domain"] = c.applicability_domain;
  if (c.polarizable) {  // absent = off, so non-polarizable files are as before
    j["polarizable"] = true;
    j["induction_tolerance"] = c.induction_tolerance;
    if (c.anisotropic_polarizability) j["anisotropic_polarizability"] = true;
  }
}

void from_json(const nlohmann::json& j, ModelConfig& c) {
  j.at("species").get_to(c.species);
  j.at("dtype").get_to(c.dtype);
  j.at("network_a").get_to(c.network_a);
  j.at("long_range").get_to(c.long_range);
  j.at("network_b").get_to(c.network_b);
  j.at("learn_charges").get_to(c.learn_charges);
  c.charges = from_symbol(j.at("charges"));
  c.sigma = from_symbol(j.at("sigma"));
  j.at("epsilon_s").get_to(c.epsilon_s);
  j.at("es_accuracy").get_to(c.es_accuracy);
  j.at("es_method").get_to(c.es_method);
  j.at("e0").get_to(c.e0);
  j.at("energy_scale").get_to(c.energy_scale);
  j.at("avg_neighbors_a").get_to(c.avg_neighbors_a);
  j.at("avg_neighbors_b").get_to(c.avg_neighbors_b);
  c.applicability_domain = j.value("domain", nlohmann::json());
  c.polarizable = j.value("polarizable", false);
  c.anisotropic_polarizability = j.value("anisotropic_polarizability", false);
  c.induction_tolerance = j.value("induction_tolerance", ModelConfig{}.induction_tolerance);
}

}  // namespace lnet
