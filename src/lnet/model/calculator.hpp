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

#include "lnet/core/force_field.hpp"

namespace lnet {

struct CalculatorOptions {
  double skin = 1.0;                 // Å, Verlet skin of the neighbour list
  double cell_tolerance = 1e-2;      // relative cell change that re-resolves electrostatics
  std::optional<std::string> dtype;  // "float64" or "float32"; default: the model's
  // Electrostatics overriding the model's (e.g. PME for cells larger than those trained on).
  std::optional<std::string> es_method;  // auto | ewald | pme | direct
  std::optional<double> es_accuracy;     // relative force accuracy
  // "fast": the inference engine (src/lnet/infer, hand-written forward and reverse passes,
  // equal to the reference to rounding); "reference": the libtorch autograd model. Born charges,
  // the Hessian and model configs the engine does not support always use the reference.
  std::string engine = "fast";
  // Fast engine: intervals of the cubic Hermite table of each layer's radial MLP on
  // [0, cutoff] (src/lnet/infer/network.hpp): forces within ~1e-9 relative of the exact MLP
  // (tested to 1e-8) and 6-9x faster steps; 0: the MLP per edge, equal to the reference to
  // rounding (1e-14).
  int radial_table = 4096;
};

struct ModelInfo {
  std::vector<int> species;  // atomic numbers the model knows
  std::string dtype;
  bool long_range = false;
  double cutoff_a = 0, cutoff_b = 0;  // Å
  double epsilon_s = 1;
  std::string config_json;  // the whole model config (hyperparameters, statistics)
  std::string engine;       // the engine evaluate() uses: "fast" or "reference"
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
  bool has_dipole() const override;
  // JSON of the resolved electrostatics parameters and the cell they were resolved for.
  std::string state() const override;
  void restore_state(const std::string& state) override;

  const ModelInfo& info() const;
  // Forgets the neighbour list and the electrostatics parameters (a new, unrelated structure).
  void reset();
  // Neighbour-list builds so far (for tests and the MD timing report).
  long neighbor_list_builds() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lnet
