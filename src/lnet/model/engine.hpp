// What evaluates a trained model for the calculator (DESIGN.md §4): an Engine says what it can
// give (capabilities) and evaluates one structure from the calculator's per-structure state
// (neighbour lists, electrostatics parameters, warm start). The calculator picks an engine per
// request by capability, so "this engine cannot do X" is an explicit capability miss, never a
// silent fallback. Implementations: the torch reference (reference_engine.hpp) and the CPU
// inference engine in float or double (cpu_engine.hpp); a GPU engine would be a third.
#pragma once
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lnet/core/force_field.hpp"
#include "lnet/core/neighbor_list.hpp"
#include "lnet/electrostatics/electrostatics.hpp"
#include "lnet/model/calculator.hpp"
#include "lnet/model/fast_electrostatics.hpp"
#include "lnet/model/potential.hpp"

namespace lnet {

struct EngineCapabilities {
  // Quantities (the capability names of core/quantity.hpp, and Calculator::hessian).
  bool forces = false, virial = false, bec = false, polarizability = false, raman = false;
  bool hessian = false, atom_energies = false, atom_virials = false;
  std::vector<std::string> quantities;  // quantities registered at run time it gives itself
  bool local = false;                   // domain-decomposed evaluation (Calculator::evaluate_local)
  std::vector<std::string> dtypes;      // "float64", "float32"
  // Model kinds.
  bool long_range = false, polarizable = false;

  // Whether it has the quantity capability `name` (Quantity::capability; empty: always).
  bool has(const std::string& name) const;
};

// A capability `request` needs: `name` as in capabilities (e.g. "bec") and what it gives, for
// messages ("Born charges").
struct CapabilityMiss {
  std::string name, what;
};

// The first quantity of `request` (in registry order, core/quantity.hpp) whose capability `caps`
// lacks; nullopt when it can serve all of them.
std::optional<CapabilityMiss> missing_capability(const EngineCapabilities& caps,
                                                 const EvalRequest& request);

// One structure and the calculator's state for it.
struct EngineInput {
  const Structure* structure = nullptr;  // numbers, positions (as given), cell, pbc
  Vec3 efield = Vec3::Zero();
  const NeighborList* pairs_a = nullptr;  // network A's pairs (exact cutoff)
  const NeighborList* pairs_b = nullptr;  // network B's pairs (long-range models)
  // Electrostatics parameters: on entry those kept for this cell (nullopt: resolve now); on
  // return, those used.
  std::optional<es::Parameters>* es = nullptr;
  // Real-space pairs of the electrostatics from the calculator's Verlet list (see PairSource).
  PairSource real_pairs;
  // Polarizable models: the induced dipoles to start from (empty: zero); on return, this
  // call's. Null: no warm start.
  std::vector<Vec3>* induced = nullptr;
};

// One process's atoms for a domain-decomposed evaluation, with the lists the calculator built.
struct LocalInput {
  const LocalStructure* structure = nullptr;
  Vec3 efield = Vec3::Zero();
  bool virial = false, atom_energies = false, atom_virials = false;
  const NeighborList* near = nullptr;     // local atoms' pairs within the real-space cutoff
  const NeighborList* pairs_a = nullptr;  // network A's pairs of its receivers
  const NeighborList* pairs_b = nullptr;  // network B's pairs of its receivers (long range)
  std::optional<es::Parameters> es;       // resolved Ewald or PME parameters (long range)
  infer::Exchange* exchange = nullptr;
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string name() const = 0;  // "fast" (CPU engine) or "reference"
  virtual const EngineCapabilities& capabilities() const = 0;
  virtual Evaluation evaluate(const EngineInput& in, const EvalRequest& request) = 0;
  // Whether evaluate() takes the real-space pairs from EngineInput::real_pairs (then the
  // calculator's Verlet list covers the kept real-space cutoff from the start).
  virtual bool uses_real_pairs() const { return false; }
  // ∂²E/∂r_i∂r_j at zero field (capability hessian).
  virtual Eigen::MatrixXd hessian(const EngineInput& in);
  // Domain decomposition (capability local): how far from a local atom each network needs
  // receivers ({A, B}), and the ghost shell the networks need (Å).
  virtual std::array<double, 2> receiver_reach() const { return {0, 0}; }
  virtual double ghost_cutoff() const { return 0; }
  virtual LocalEvaluation evaluate_local(const LocalInput& in);
};

struct CpuEngineOptions {
  int radial_table = 4096;  // CalculatorOptions::radial_table
  // Names of the user's electrostatics settings, quoted in tuning errors (es::Settings).
  std::string method_setting = "electrostatics.method";
  std::string accuracy_setting = "electrostatics.accuracy";
};

// The torch reference (autograd through Potential::forward).
std::unique_ptr<Engine> make_reference_engine(const Potential& model);
// The CPU inference engine in the model's dtype; InputError naming the missing capability (and
// why) when it cannot run this model.
std::unique_ptr<Engine> make_cpu_engine(const Potential& model, const CpuEngineOptions& options);

}  // namespace lnet
