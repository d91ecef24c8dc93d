#include "lnet/model/engine.hpp"

#include <algorithm>

#include "lnet/core/error.hpp"
#include "lnet/core/quantity.hpp"

namespace lnet {

bool EngineCapabilities::has(const std::string& name) const {
  const std::pair<const char*, bool> builtin[] = {{"forces", forces},
                                                  {"virial", virial},
                                                  {"bec", bec},
                                                  {"polarizability", polarizability},
                                                  {"raman", raman},
                                                  {"hessian", hessian},
                                                  {"atom_energies", atom_energies},
                                                  {"atom_virials", atom_virials},
                                                  {"local", local}};
  if (name.empty()) return true;
  for (const auto& [key, value] : builtin)
    if (name == key) return value;
  return std::find(quantities.begin(), quantities.end(), name) != quantities.end();
}

std::optional<CapabilityMiss> missing_capability(const EngineCapabilities& caps,
                                                 const EvalRequest& request) {
  for (const Quantity& q : quantities())
    if (requested(q, request) && !caps.has(q.capability))
      return CapabilityMiss{q.capability, q.what};
  return std::nullopt;
}

Eigen::MatrixXd Engine::hessian(const EngineInput& /*in*/) {
  throw InputError("engine", "engine " + name() + " cannot give the Hessian (capability hessian)");
}

LocalEvaluation Engine::evaluate_local(const LocalInput& /*in*/) {
  throw InputError("engine", "engine " + name() +
                                 " cannot evaluate a domain-decomposed structure (capability "
                                 "local)");
}

}  // namespace lnet
