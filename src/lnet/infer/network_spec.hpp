// The hyperparameters of one equivariant network (network A or B, DESIGN.md §1): the one struct
// that the training config, the model file, the torch modules (src/lnet/nn, src/lnet/model)
// and the inference engine (weights.hpp) all read. Torch-free, so that the engine holds it too.
//
// Adding a hyperparameter: a field here, its line in for_each_field (which gives the model
// file's JSON and the training config's YAML keys), its range in network_spec.cpp, and the code
// that uses it.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace lnet::infer {

struct NetworkSpec {
  double cutoff = 5.0;     // Å
  int num_basis = 8;       // Bessel functions of the radial basis
  int envelope_p = 5;      // polynomial envelope exponent
  int l_max = 2;           // degree of the edge harmonics and of A (0..3)
  int l_hidden = 1;        // degree kept in the features between layers
  int channels = 32;       // features per degree
  int correlation = 3;     // body order of the product basis (1..3)
  int layers = 2;          // interaction layers (1..3)
  int radial_hidden = 64;  // width of the radial MLP
};

// Calls f(key, field) for every hyperparameter, key as in the model file and the training
// config. Works for const and non-const specs.
template <class Spec, class F>
void for_each_field(Spec& s, F&& f) {
  f("cutoff", s.cutoff);
  f("num_basis", s.num_basis);
  f("envelope_p", s.envelope_p);
  f("l_max", s.l_max);
  f("l_hidden", s.l_hidden);
  f("channels", s.channels);
  f("correlation", s.correlation);
  f("layers", s.layers);
  f("radial_hidden", s.radial_hidden);
}

// The degrees of interaction layer t (0-based): input features up to l_in, harmonics and A up to
// l_sh, output features up to l_out. `l_final` is what the last layer must output (0 for
// energies, 1 for dipoles, 2 for anisotropic polarizabilities).
struct LayerDegrees {
  int l_in = 0, l_sh = 0, l_out = 0;
};
LayerDegrees layer_degrees(const NetworkSpec& spec, int t, int l_final);

// An out-of-range hyperparameter: `field` is its dotted key ("network_a.l_max").
struct SpecProblem {
  std::string field, what;
};

// The one place where the valid range of every hyperparameter is written down (training
// config, model file and the torch modules use it); `name` prefixes the keys ("network_a").
// Upper bounds on widths keep a corrupt model file from allocating gigabytes before its tensors
// are compared with the architecture; they are far above any model that trains in reasonable
// time. Returns the first problem, if any.
std::optional<SpecProblem> find_problem(const NetworkSpec& spec, const std::string& name);

// Model-file JSON: an object with the keys of for_each_field, all required.
void to_json(nlohmann::json& j, const NetworkSpec& spec);
void from_json(const nlohmann::json& j, NetworkSpec& spec);

}  // namespace lnet::infer
