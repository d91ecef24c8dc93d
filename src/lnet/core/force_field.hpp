// The seam between a potential and what drives it (DESIGN.md §4): MD, relaxation, phonons and
// the interfaces see a ForceField that evaluates ONE structure; lnet's trained model implements
// it as lnet::Calculator (src/lnet/model/calculator.hpp), tests implement analytic ones.
// Plain Eigen types in and out, no torch.
#pragma once
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lnet/core/structure.hpp"

namespace lnet {

// Filled field by field (`EvalRequest r; r.virial = true;`): the user-provided constructor makes
// positional initialisers such as EvalRequest{true, false, true} a compile error, since they
// silently change meaning when a field is inserted.
struct EvalRequest {
  EvalRequest() {}  // NOLINT(modernize-use-equals-default): "= default" would keep an aggregate
  bool forces = true;
  bool virial = false;  // also gives the stress
  bool bec = false;     // Born effective charges Z*_i = dM/dr_i (long-range models)
  // Polarizable models only (DESIGN.md §1.7): the cell polarizability alpha_cell = dM/dE at
  // fixed nuclei and, for periodic cells, epsilon_inf (three more linear solves). A model that
  // is not polarizable throws lnet::Error when asked.
  bool polarizability = false;
  // Polarizable models only: Raman tensors ∂alpha_cell/∂r_i (implies polarizability).
  bool raman = false;
  // Per-atom energies and virials (Evaluation::atom_energies, atom_virials).
  bool atom_energies = false;
  bool atom_virials = false;
  // Quantities registered at run time (core/quantity.hpp), by name.
  std::set<std::string> extra;
  // Asks for the registered quantity `name` (core/quantity.hpp: "bec", "atom_energies", or one
  // registered at run time) and for those it is derived from; InputError naming the known
  // quantities when there is none of that name. Defined in quantity.cpp.
  EvalRequest& add(const std::string& name);
};

struct Evaluation {
  double energy = 0;           // eV, total, including the field term -E·M
  std::vector<Vec3> forces;    // eV/Å, when requested
  std::optional<Mat3> virial;  // eV, W = -dE/d(strain) (symmetric strain); stress = -W / V
  // Long-range models only (otherwise empty / nullopt):
  std::optional<Vec3> dipole;        // Born dipole M = Σ q_i r_i + Σ μ_i (e·Å) from the
                                     // positions as given: pass unwrapped positions in MD
  std::vector<double> charges;       // q_i (e)
  std::vector<Vec3> atomic_dipoles;  // μ_i (e·Å); polarizable models: permanent + induced
  std::vector<Mat3> bec;  // Z*_i(α, β) = ∂M_α/∂r_iβ (e), when requested; polarizable
                          // models: including the electronic (induced) response
  // Polarizable models only (DESIGN.md §1.7); M above includes Σ μ_ind:
  std::vector<Vec3> induced_dipoles;  // μ_ind,i (e·Å), always
  // When requested: alpha_cell(α, β) = ∂M_α/∂E_β at fixed nuclei (e·Å²/V) and, periodic cells
  // only, the tensor ε∞ = 1 + alpha_cell / (ε_vac V) (tin-foil boundary: the applied field is
  // the macroscopic one); nullopt for open structures. Isotropic value: trace / 3.
  std::optional<Mat3> polarizability;
  std::optional<Mat3> epsilon_inf;
  // When requested: Raman tensors, raman[3 i + β](α, γ) = ∂alpha_cell(α, γ)/∂r_iβ (e·Å/V), with
  // every periodic image of atom i moved together (the Γ-point derivative).
  std::vector<Mat3> raman;
  // When requested: per-atom energies (eV) summing to `energy`, and per-atom virials (eV, same
  // convention as `virial`) summing to the virial; how they are split is the force field's
  // (lnet::Calculator: src/lnet/infer/engine_model.hpp, Output).
  std::vector<double> atom_energies;
  std::vector<Mat3> atom_virials;
  int induction_iterations = 0;  // CG iterations of this call, all solves together
  // Quantities registered at run time (core/quantity.hpp), when requested: flat values,
  // row-major items, atom-major for per-atom quantities.
  std::map<std::string, std::vector<double>> extra;
};

class ForceField {
 public:
  virtual ~ForceField() = default;
  // Energy and derivatives of `s` (numbers, positions, cell, pbc; labels are ignored) in the
  // uniform external field `efield` (V/Å). Positions need not be wrapped into the cell.
  // Throws lnet::Error (or InputError) for a structure it cannot evaluate.
  virtual Evaluation evaluate(const Structure& s, const Vec3& efield,
                              const EvalRequest& request) = 0;
  // Whether the model has a Born dipole (charges/dipoles, field coupling, Z*).
  virtual bool has_dipole() const { return false; }
  // Whether the model has an electronic polarizability (EvalRequest::polarizability).
  virtual bool has_polarizability() const { return false; }
  // Exact Hessian ∂²E/∂r_i∂r_j of `s` (3N × 3N, atom-major rows 3i + α, eV/Å²) at zero field,
  // for force fields that can differentiate twice (phonons use it to check finite-difference
  // force constants); nullopt when not available or the cell is too large for it.
  virtual std::optional<Eigen::MatrixXd> hessian(const Structure& /*s*/) { return std::nullopt; }
  // State a run must carry across a restart for bit-identical continuation (e.g. resolved
  // electrostatics parameters); opaque text, empty when there is none.
  virtual std::string state() const { return {}; }
  virtual void restore_state(const std::string& /*state*/) {}
  // Forgets what was kept from the last structure (neighbour lists, electrostatics tuning, warm
  // starts): the next structure is an unrelated one, whose results must not depend on it.
  virtual void reset() {}
};

}  // namespace lnet
