// The seam between the torch reference model and the inference engine (issue 10): copies the
// weights of a trained Potential into the engine's plain structs, says which configs the engine
// supports, and gives the engine the torch electrostatics (E_es, site potentials and fields,
// forces and virial at fixed q and mu) as a callback.
#pragma once
#include <optional>
#include <string>

#include "lnet/electrostatics/electrostatics.hpp"
#include "lnet/infer/potential.hpp"
#include "lnet/model/potential.hpp"

namespace lnet {

// Why the engine cannot evaluate this config (a field it does not know set away from its
// default, e.g. the polarizable extension), or nullopt when it can.
std::optional<std::string> infer_unsupported(const ModelConfig& config);

// The weights of `model` for the engine. Throws lnet::Error when the config is unsupported or
// the model holds a parameter the engine would not use (so it never computes something else).
infer::ModelWeights infer_weights(const Potential& model);

// E_es of the sites through the torch electrostatics in float64, with parameters `params`
// (resolved from the sites on first use when empty, and stored there).
infer::ElectrostaticsFn torch_electrostatics(const es::Electrostatics& es,
                                             std::optional<es::Parameters>& params,
                                             const std::vector<Vec3>& positions, const Mat3& cell,
                                             bool periodic, const std::vector<double>& sigma);

}  // namespace lnet
