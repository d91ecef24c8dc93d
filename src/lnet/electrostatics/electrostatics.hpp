// Long-range electrostatics of Gaussian charges and dipoles (DESIGN.md §1): Ewald, smooth PME
// and an open-boundary direct sum, all written with differentiable torch ops so that autograd
// gives forces, virial, potentials, fields and their derivatives to second order.
#pragma once
#include <array>
#include <optional>
#include <string>

#include "lnet/infer/coulomb_sites.hpp"
#include "lnet/pch/torch_pch.hpp"

namespace lnet::es {

enum class Method { Auto, Ewald, PME, Direct };

std::string method_name(Method m);
// "auto", "ewald", "pme", "direct" (case-insensitive); throws lnet::InputError otherwise.
Method parse_method(const std::string& text);

struct Settings {
  Method method = Method::Auto;  // Auto: Direct if open, else the cheaper of Ewald and PME
  double accuracy = 1e-5;        // requested relative RMS force accuracy (LAMMPS-like)
  // How the caller's user sets the method and the accuracy, named in tuning errors so that the
  // advice can be followed from where the user is ("--method" on the command line). The
  // defaults are the keys of the `electrostatics` sections of run and model configs.
  std::string method_setting = "electrostatics.method";
  std::string accuracy_setting = "electrostatics.accuracy";
  std::optional<double> alpha;             // splitting parameter (1/Å), overrides the tuning
  std::optional<double> real_cutoff;       // Å
  std::optional<std::array<int, 3>> kmax;  // Ewald k-vectors per axis
  std::optional<std::array<int, 3>> mesh;  // PME grid
  int pme_order = 5;                       // B-spline order 4..6
};

struct Parameters {  // what will actually be used, printable
  Method method = Method::Direct;
  double alpha = 0, real_cutoff = 0;
  std::array<int, 3> kmax{}, mesh{};
  int order = 5;
  std::string describe() const;  // one line, for the log
};

// The torch-free solvers' copy of resolved parameters (src/lnet/infer/coulomb.hpp, which equals
// this reference to rounding); Method::Auto is an error.
infer::CoulombParameters coulomb_parameters(const Parameters& p);

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
