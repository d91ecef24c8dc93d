#include "lnet/model/model_config.hpp"

#include <algorithm>

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

void to_json(nlohmann::json& j, const NetworkHyper& h) {
  j = {{"cutoff", h.cutoff},           {"num_basis", h.num_basis}, {"envelope_p", h.envelope_p},
       {"l_max", h.l_max},             {"l_hidden", h.l_hidden},   {"channels", h.channels},
       {"correlation", h.correlation}, {"layers", h.layers},       {"radial_hidden", h.radial_hidden}};
}

void from_json(const nlohmann::json& j, NetworkHyper& h) {
  j.at("cutoff").get_to(h.cutoff);
  j.at("num_basis").get_to(h.num_basis);
  j.at("envelope_p").get_to(h.envelope_p);
  j.at("l_max").get_to(h.l_max);
  j.at("l_hidden").get_to(h.l_hidden);
  j.at("channels").get_to(h.channels);
  j.at("correlation").get_to(h.correlation);
  j.at("layers").get_to(h.layers);
  j.at("radial_hidden").get_to(h.radial_hidden);
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
  for (auto it = j.begin(); it != j.end(); ++it) m[atomic_number(it.key())] = it.value().get<double>();
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
}

}  // namespace lnet
