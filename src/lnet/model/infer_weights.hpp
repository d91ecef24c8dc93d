// The seam between the torch reference model and the inference engine: copies the weights of
// a trained Potential into the engine's plain structs, says which model kinds the engine cannot
// run, and gives the engine the torch electrostatics (E_es, site potentials and fields, forces
// and virial at fixed q and mu) as a callback.
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "lnet/electrostatics/electrostatics.hpp"
#include "lnet/infer/engine_model.hpp"
#include "lnet/infer/long_range_gradient.hpp"
#include "lnet/model/potential.hpp"

namespace lnet {

// Why the engine cannot evaluate this config (a model kind it has no code for: polarizable),
// or nullopt when it can. Hyperparameters need no check here: the engine takes the whole
// NetworkSpec, and a torch tensor the engine would not use is an error of infer_weights.
std::optional<std::string> infer_unsupported(const ModelConfig& config);

// The weights of `model` for the engine. Throws lnet::Error when the config is unsupported or
// the model holds a parameter the engine would not use (so it never computes something else).
infer::ModelWeights infer_weights(const Potential& model);

// Every trained matrix of network A and its readouts (`a` shaped) with the name of its torch
// parameter: the one enumeration behind both directions of the seam (infer_weights and
// set_gradients), so that they cannot drift apart.
void for_each_trained(infer::ShortRangeWeights& a,
                      const std::function<void(const std::string& name, infer::Matrix& m)>& f);

// Every trained matrix of network B and its charge and dipole readouts (`b` shaped).
void for_each_trained(infer::PolarizationWeights& b,
                      const std::function<void(const std::string& name, infer::Matrix& m)>& f);
// The transpose of infer_weights for training through the engine: the engine's dL/dθ of network
// A (infer::zero_gradient's shape) and, for a long-range model, of network B becomes each torch
// parameter's .grad(), in the parameter's dtype, as loss.backward() would leave it. Throws
// lnet::Error when a parameter gets no gradient or a gradient of another shape.
void set_gradients(Potential& model, infer::ShortRangeWeights a,
                   infer::PolarizationWeights* b = nullptr);
// E_es of the sites through the torch electrostatics in float64, with parameters `params`
// (resolved from the sites on first use when empty, and stored there).
infer::ElectrostaticsFn torch_electrostatics(const es::Electrostatics& es,
                                             std::optional<es::Parameters>& params,
                                             const std::vector<Vec3>& positions, const Mat3& cell,
                                             bool periodic, const std::vector<double>& sigma);

// The site potentials and fields of E_es through the torch electrostatics (float64, parameters
// `params`) with their derivatives along a direction (double backward): the electrostatics of
// the long-range training gradient. `positions` and `sigma` must outlive the function.
infer::ElectrostaticsTangentFn torch_electrostatics_tangent(const es::Electrostatics& es,
                                                            const es::Parameters& params,
                                                            const std::vector<Vec3>& positions,
                                                            const Mat3& cell, bool periodic,
                                                            const std::vector<double>& sigma);

}  // namespace lnet
