// Long-range electrostatics of Gaussian charges and dipoles (DESIGN.md §1): Ewald, smooth PME
// and an open-boundary direct sum, all written with differentiable torch ops so that autograd
// gives forces, virial, potentials, fields and their derivatives to second order.
#pragma once
#include <string>
#include <vector>

#include "lnet/infer/coulomb_parameters.hpp"
#include "lnet/infer/coulomb_sites.hpp"
#include "lnet/infer/coulomb_solvers.hpp"
#include "lnet/pch/torch_pch.hpp"

namespace lnet::es {

// One Method, Settings and Parameters for the torch and the torch-free solvers: they are
// defined torch-free (src/lnet/infer/coulomb_parameters.hpp), tuned there too
// (coulomb_tuning.hpp), and each method is an entry of the solver registry
// (coulomb_solvers.hpp, with its torch energy in training_solvers() below).
using Method = infer::CoulombMethod;
using Settings = infer::CoulombSettings;
using Parameters = infer::CoulombParameters;
using infer::method_name;
using infer::parse_method;

struct Sites {              // one structure; tensors share dtype (float64 or float32) and device
  torch::Tensor positions;  // [N,3] Å (need not be wrapped)
  torch::Tensor cell;       // [3,3], ROWS are lattice vectors (ignored when !periodic)
  bool periodic = true;     // all three axes periodic, or none (mixed: throw lnet::Error)
  torch::Tensor charges;    // [N] e, or undefined = no charges
  torch::Tensor dipoles;    // [N,3] e·Å, or undefined = no dipoles
  torch::Tensor sigma;      // [N] Å Gaussian widths; undefined = point sites
};

class Electrostatics {
 public:
  explicit Electrostatics(Settings settings = {});
  // From accuracy + overrides (detached values). The result depends on sum q^2 and sum |mu|^2,
  // so in MD with learned charges resolve once and reuse the Parameters: re-tuning every step
  // changes alpha and the cutoff and makes the energy jump at the level of the accuracy.
  Parameters resolve(const Sites& sites) const;
  torch::Tensor energy(const Sites& sites) const;  // 0-dim tensor, eV; resolve() + energy(sites, p)
  torch::Tensor energy(const Sites& sites, const Parameters& p) const;
  const Settings& settings() const { return settings_; }

 private:
  Settings settings_;
};

// The torch half of a registry entry: the differentiable energy of a method used for training
// (eV per Coulomb constant, summed by Electrostatics::energy with the shared terms). Periodic
// solvers give their reciprocal-space sum (the real space, self term and background are
// shared); the solver of open boundaries gives the whole energy.
struct TrainingSolver {
  Method method;
  torch::Tensor (*energy)(const Sites& sites, const Parameters& p);
};
// One entry for every solver of infer::coulomb_solvers() (tests/electrostatics checks it).
const std::vector<TrainingSolver>& training_solvers();
// The entry of `m`; lnet::Error for Auto or a method without one.
const TrainingSolver& training_solver(Method m);

struct SiteResult {
  torch::Tensor energy, forces, virial, potential, field;
};

// Convenience via autograd: forces = -dE/dr [N,3]; virial W = -dE/d(strain) [3,3] (eV) including
// the cell dependence of the reciprocal part (a symmetric strain applied to positions AND cell,
// charges and dipoles held fixed); potential_i = dE/dq_i (V); field_i = -dE/dmu_i (V/Å).
// Missing charges or dipoles are treated as zeros so that potential and field are always given.
// If any input requires grad, the results keep their graph (create_graph) for second order.
SiteResult evaluate(const Electrostatics& es, const Sites& sites);

}  // namespace lnet::es
