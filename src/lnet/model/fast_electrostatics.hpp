// The engine's electrostatics without torch: the parameters are resolved once by the
// torch-free tuning (infer::resolve_parameters, the one es::Electrostatics::resolve calls), then
// every call goes through the hand-written infer::Coulomb (src/lnet/infer/coulomb.hpp), which
// equals the autograd reference (torch_electrostatics) to rounding.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "lnet/core/neighbor_list.hpp"
#include "lnet/electrostatics/electrostatics.hpp"
#include "lnet/infer/coulomb.hpp"
#include "lnet/infer/engine_model.hpp"

namespace lnet {

// A full neighbour list of the sites covering at least the given cutoff (Å), e.g. the
// calculator's Verlet list; pairs beyond the real-space cutoff are skipped by the solver.
using PairSource = std::function<const NeighborList*(double cutoff)>;

// E_es of the sites for the engine, like torch_electrostatics: `params` is resolved from the
// sites on first use when empty (and stored there); `solver` is (re)made when missing or built
// for other parameters, and keeps its k-space tables while the cell stays the same. `pairs`
// may be empty: the solver then builds the real-space list itself.
infer::ElectrostaticsFn fast_electrostatics(const es::Electrostatics& es,
                                            std::optional<es::Parameters>& params,
                                            std::unique_ptr<infer::Coulomb>& solver,
                                            const std::vector<Vec3>& positions, const Mat3& cell,
                                            bool periodic, const std::vector<double>& sigma,
                                            PairSource pairs = {});

}  // namespace lnet
