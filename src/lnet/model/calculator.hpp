// The inference calculator (DESIGN.md §4): loads a model file and evaluates ONE structure at a
// time for MD, relaxation, phonons, eval and the interfaces. Plain arrays in and out (no torch
// in this header). It keeps what an MD run needs between calls:
//  - a Verlet neighbour list at max cutoff + skin, rebuilt only when an atom has moved more
//    than half the skin or the cell has changed, and filtered to the exact cutoffs every call
//    (the filtered list equals a fresh one pair for pair and in order, so results do not depend
//    on when it was rebuilt: restarts stay bit-identical);
//  - the electrostatics parameters (splitting, real-space cutoff, k-vectors or mesh), resolved
//    on the first call and reused until the cell changes by more than `cell_tolerance`
//    (re-tuning every step would make the energy jump at the level of the accuracy).
// Positions may be unwrapped; the Born dipole and the field energy -E·M use them as given.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lnet/core/error.hpp"
#include "lnet/core/force_field.hpp"

namespace lnet {

namespace infer {
class Exchange;
}

struct CalculatorOptions {
  double skin = 1.0;                 // Å, Verlet skin of the neighbour list
  double cell_tolerance = 1e-2;      // relative cell change that re-resolves electrostatics
  std::optional<std::string> dtype;  // "float64" or "float32"; default: the model's
  // Electrostatics overriding the model's (e.g. PME for cells larger than those trained on).
  std::optional<std::string> es_method;  // auto | ewald | pme | direct
  std::optional<double> es_accuracy;     // relative force accuracy
  // Names of the caller's electrostatics settings, quoted in tuning errors (es::Settings), so
  // that the advice can be followed from where the user set them (e.g. "--es-method").
  std::string es_method_setting = "electrostatics.method";
  std::string es_accuracy_setting = "electrostatics.accuracy";
  // Which engine (src/lnet/model/engine.hpp) evaluates each request:
  //  "auto": the CPU inference engine (src/lnet/infer, hand-written forward and reverse passes,
  //    equal to the reference to rounding) where it has the capability, the libtorch autograd
  //    reference for the rest (the Hessian, polarizable models with their polarizability and
  //    Raman tensors); info().engine and a log line say which;
  //  "fast": the CPU engine only; a request it cannot serve is an InputError naming the missing
  //    capability (e.g. "engine fast cannot give the Hessian (capability hessian)");
  //  "reference": the autograd model only (no per-atom energies or virials).
  std::string engine = "auto";
  // Fast engine: intervals of the cubic Hermite table of each layer's radial MLP on
  // [0, cutoff] (src/lnet/infer/network.hpp): forces within ~1e-9 relative of the exact MLP
  // (tested to 1e-8) and 6-9x faster steps; 0: the MLP per edge, equal to the reference to
  // rounding (1e-14).
  int radial_table = 4096;
  // Polarizable models: start the induced-dipole solver from the previous call's dipoles when
  // the atoms are the same (an MD step, a phonon displacement); reset() forgets them. The
  // result changes only within the solver tolerance (model.induction_tolerance).
  bool warm_start = true;
  // Å: atoms closer than this are an error (CloseAtomsError) instead of an energy no model was
  // trained for (MD's min_distance, with the same default; 0 switches the check off). The
  // pairs come from the Verlet list the networks use anyway, so the check costs one comparison
  // per pair.
  double min_distance = 0.5;
};

// Two atoms closer than CalculatorOptions::min_distance. `first` and `second` are 0-based
// indices into the structure evaluated (LocalStructure: local then ghost atoms), so that a
// caller with its own atom IDs (LAMMPS) can name them; the message names them 1-based.
// evaluate_local() throws it on every process together: on those that did not find the pair,
// with `first` and `second` std::string::npos.
class CloseAtomsError : public InputError {
 public:
  CloseAtomsError(std::size_t first, std::size_t second, double distance, double min_distance);
  std::size_t first, second;
  double distance, min_distance;
};

// InputError naming the entry (vector and component) when a periodic axis of `cell` (rows a, b,
// c) has a non-finite number; the rows of open axes are not used and not checked.
void check_cell_finite(const Mat3& cell, const std::array<bool, 3>& pbc);

struct ModelInfo {
  std::vector<int> species;  // atomic numbers the model knows
  std::string dtype;
  bool long_range = false;
  bool polarizable = false;  // induced dipoles: polarizability, epsilon_inf (DESIGN.md §1.7)
  double cutoff_a = 0, cutoff_b = 0;  // Å
  double epsilon_s = 1;
  std::string config_json;  // the whole model config (hyperparameters, statistics)
  // The engine of the last evaluation ("fast" or "reference"); before the first, the one
  // energies and forces would use.
  std::string engine;
};

// One process's atoms with ghost atoms around them, for MPI domain decomposition
// (src/lnet/infer/decomposition.hpp): atoms [0, num_local) are the process's own, the rest are
// ghosts (other processes' atoms and periodic images) at explicit positions, within
// Calculator::ghost_cutoff() of every local atom.
struct LocalStructure {
  int num_local = 0;
  std::vector<int> numbers;     // atomic numbers, local then ghost atoms
  std::vector<Vec3> positions;  // local then ghost atoms, consistent with each other
  std::vector<Vec3> unwrapped;  // local atoms only: for the Born dipole and -E·M
  Mat3 cell = Mat3::Zero();     // rows: the periodic cell (k-space sum)
};

// This process's share of the whole structure's results: energies, virials and Born dipoles
// sum over processes to the totals; forces are given on local AND ghost atoms, and a ghost's
// belongs to its owner (LAMMPS's reverse communication adds them up).
struct LocalEvaluation {
  double energy = 0;                 // eV, field term -E·M_share included
  std::vector<Vec3> forces;          // eV/Å, local then ghost atoms
  Mat3 virial = Mat3::Zero();        // eV, W = -dE/d(strain)
  Vec3 dipole = Vec3::Zero();        // e·Å, this process's part of M (long-range models)
  std::vector<double> charges;       // local atoms (long-range models)
  std::vector<Vec3> atomic_dipoles;  // local atoms (long-range models)
  // When requested (evaluate_local's `request`): per-atom energies of the local atoms (eV), and
  // per-atom virials (eV) of local then ghost atoms, a ghost's belonging to its owner; over
  // all processes they sum to the totals (Evaluation::atom_energies, atom_virials).
  std::vector<double> atom_energies;
  std::vector<Mat3> atom_virials;
};

class Calculator : public ForceField {
 public:
  explicit Calculator(const std::string& model_path, const CalculatorOptions& options = {});
  ~Calculator() override;
  Calculator(Calculator&&) noexcept;
  Calculator& operator=(Calculator&&) noexcept;

  Evaluation evaluate(const Structure& s, const Vec3& efield, const EvalRequest& request) override;
  // Exact ∂²E/∂r_i∂r_j at zero field by double differentiation (3N backward passes: meant for
  // small cells, as a check of finite-difference force constants).
  std::optional<Eigen::MatrixXd> hessian(const Structure& s) override;
  // Whether this calculator's engines can give every quantity `request` asks for (see
  // CalculatorOptions::engine); evaluate() throws an InputError naming the capability if not.
  bool supports(const EvalRequest& request) const;
  bool has_dipole() const override;
  bool has_polarizability() const override;
  // JSON of the resolved electrostatics parameters and the cell they were resolved for, and
  // (polarizable models) the induced dipoles of the last call, the next call's warm start.
  std::string state() const override;
  void restore_state(const std::string& state) override;

  const ModelInfo& info() const;
  // Forgets the neighbour list, the electrostatics parameters and the induced dipoles kept
  // for a warm start (a new, unrelated structure).
  void reset() override;
  // Neighbour-list builds so far (for tests and the MD timing report).
  long neighbor_list_builds() const;

  // Domain decomposition. Possible with the CPU engine (capability local), and for long-range
  // models once evaluate() or restore_state() has resolved Ewald or PME parameters (a periodic
  // cell): every process must use the same. Otherwise the reason it is not, as a message.
  std::optional<std::string> local_unsupported() const;
  // The ghost shell the local atoms need (Å): the networks' layers × cutoffs (+1 layer of
  // network B for charge transfers) and the real-space cutoff of the electrostatics.
  double ghost_cutoff() const;
  // This process's share; `exchange` reaches the other processes (forward: ghosts' charges and
  // dipoles; sum: the k-space buffer). Throws lnet::Error when local_unsupported().
  LocalEvaluation evaluate_local(const LocalStructure& s, const Vec3& efield, bool virial,
                                 infer::Exchange& exchange);
  // The same with per-atom energies and virials as `request` asks (its virial, atom_energies
  // and atom_virials; forces are always given).
  LocalEvaluation evaluate_local(const LocalStructure& s, const Vec3& efield,
                                 const EvalRequest& request, infer::Exchange& exchange);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lnet
