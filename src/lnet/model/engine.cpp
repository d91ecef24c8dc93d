#include "lnet/model/engine.hpp"

#include "lnet/core/error.hpp"

namespace lnet {

std::optional<CapabilityMiss> missing_capability(const EngineCapabilities& caps,
                                                 const EvalRequest& request) {
  if (request.forces && !caps.forces) return CapabilityMiss{"forces", "forces"};
  if (request.virial && !caps.virial) return CapabilityMiss{"virial", "the virial"};
  if (request.bec && !caps.bec) return CapabilityMiss{"bec", "Born charges"};
  if ((request.polarizability || request.raman) && !caps.polarizability)
    return CapabilityMiss{"polarizability", "the polarizability"};
  if (request.raman && !caps.raman) return CapabilityMiss{"raman", "Raman tensors"};
  if (request.atom_energies && !caps.atom_energies)
    return CapabilityMiss{"atom_energies", "per-atom energies"};
  if (request.atom_virials && !caps.atom_virials)
    return CapabilityMiss{"atom_virials", "per-atom virials"};
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
