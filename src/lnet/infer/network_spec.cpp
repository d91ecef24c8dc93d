#include "lnet/infer/network_spec.hpp"

#include <cmath>
#include <sstream>

namespace lnet::infer {

LayerDegrees layer_degrees(const NetworkSpec& spec, int t, int l_final) {
  LayerDegrees d;
  d.l_in = t == 0 ? 0 : spec.l_hidden;  // the embedding is a scalar per atom
  d.l_sh = spec.l_max;
  d.l_out = t + 1 == spec.layers ? l_final : spec.l_hidden;
  return d;
}

namespace {

using Problem = std::optional<SpecProblem>;

Problem positive(const std::string& field, double v) {
  if (std::isfinite(v) && v > 0) return {};
  std::ostringstream os;
  os << v;
  return SpecProblem{field, "must be positive and finite, got " + os.str()};
}

Problem in_range(const std::string& field, long v, long lo, long hi) {
  if (v >= lo && v <= hi) return {};
  return SpecProblem{field, "must be in " + std::to_string(lo) + ".." + std::to_string(hi) +
                                ", got " + std::to_string(v)};
}

}  // namespace

std::optional<SpecProblem> find_problem(const NetworkSpec& h, const std::string& name) {
  const std::string p = name + ".";
  // l_max <= 3: the coupling tables (infer/spherical.hpp) stop at degree 3.
  for (Problem q :
       {positive(p + "cutoff", h.cutoff), in_range(p + "l_max", h.l_max, 0, 3),
        in_range(p + "l_hidden", h.l_hidden, 0, h.l_max), in_range(p + "layers", h.layers, 1, 3),
        in_range(p + "correlation", h.correlation, 1, 3),
        in_range(p + "num_basis", h.num_basis, 1, 64),
        in_range(p + "envelope_p", h.envelope_p, 1, 64),
        in_range(p + "channels", h.channels, 1, 1024),
        in_range(p + "radial_hidden", h.radial_hidden, 1, 4096)})
    if (q) return q;
  return {};
}

void to_json(nlohmann::json& j, const NetworkSpec& spec) {
  j = nlohmann::json::object();
  for_each_field(spec, [&](const char* key, const auto& v) { j[key] = v; });
}

void from_json(const nlohmann::json& j, NetworkSpec& spec) {
  for_each_field(spec, [&](const char* key, auto& v) { j.at(key).get_to(v); });
}

}  // namespace lnet::infer
