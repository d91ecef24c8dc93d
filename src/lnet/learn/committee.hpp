// A committee of independently trained models (different seeds, hence initial weights and data
// order): their mean is the prediction, their spread the uncertainty that `lnet learn` uses to
// choose frames for DFT (query by committee, as DP-GEN's model deviation), and that the
// committee's ForceField gives as named quantities.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lnet/core/force_field.hpp"
#include "lnet/train/trainer.hpp"

namespace lnet {

struct CalculatorOptions;
class Calculator;

struct CommitteeEvaluation {
  // Committee means.
  double energy = 0;           // eV
  std::vector<Vec3> forces;    // eV/Å
  std::optional<Vec3> dipole;  // e·Å, long-range members
  std::vector<Mat3> bec;       // e, when requested from long-range members
  std::optional<Mat3> virial;  // eV, when requested
  // Spreads: population standard deviations over the members (1/N, not 1/(N-1): the same
  // number for the same disagreement whatever N, which is what thresholds are set against).
  double energy_std_per_atom = 0;  // eV/atom
  std::vector<double> force_std;   // per atom: sqrt(mean_k |F_k,i - F_mean,i|^2), eV/Å
  double force_std_max = 0;        // max over atoms of force_std
  // Long-range members with bec requested: max over atoms of the rms over members of the
  // Frobenius norm |Z*_k,i - Z*_mean,i| (e).
  std::optional<double> bec_std_max;
};

class Committee {
 public:
  // At least one member; all must agree on has_dipole().
  explicit Committee(std::vector<std::unique_ptr<ForceField>> members);
  // One lnet::Calculator per model file.
  static Committee load(const std::vector<std::string>& model_paths,
                        const CalculatorOptions& options);

  // Every member on `s`; bec: also Z* and its spread (long-range members only).
  CommitteeEvaluation evaluate(const Structure& s, const Vec3& efield, bool bec = false,
                               bool virial = false);
  std::size_t size() const { return members_.size(); }
  bool has_dipole() const;
  // Forgets the per-structure state of the members loaded from files (Calculator::reset): the
  // next structure is unrelated.
  void reset();
  // The members' states (ForceField::state) as one JSON array, for bit-identical restarts.
  std::string state() const;
  void restore_state(const std::string& state);

 private:
  std::vector<std::unique_ptr<ForceField>> members_;
  std::vector<Calculator*> calculators_;  // the members load() made
};

// The committee's spreads as named quantities (core/quantity.hpp), registered once by the first
// CommitteeForceField (or by this call): "committee_energy_std" (eV/atom),
// "committee_force_std" (per atom, eV/Å), "committee_force_std_max" (eV/Å) and, for
// long-range members with Born charges requested, "committee_bec_std_max" (e). Writers that
// iterate over the registry (lnet eval's frames, the MD trajectory, Python) then carry them.
void register_committee_quantities();

// The committee mean as a ForceField (what exploration MD integrates), with the spreads of
// every evaluation in Evaluation::extra under the names above; the last evaluation, spreads
// included, stays available for the snapshot taken at that step. Energy, forces, virial, dipole
// and Born charges only: a request for polarizabilities or per-atom energies or virials is an
// InputError.
class CommitteeForceField : public ForceField {
 public:
  explicit CommitteeForceField(Committee& committee) : committee_(committee) {
    register_committee_quantities();
  }
  Evaluation evaluate(const Structure& s, const Vec3& efield, const EvalRequest& request) override;
  bool has_dipole() const override { return committee_.has_dipole(); }
  std::string state() const override { return committee_.state(); }
  void restore_state(const std::string& state) override { committee_.restore_state(state); }
  void reset() override { committee_.reset(); }
  const CommitteeEvaluation& last() const { return last_; }

 private:
  Committee& committee_;
  CommitteeEvaluation last_;
};

// Member k of a committee: `base` with seed base.seed + k (initial weights and data order),
// written into <dir>/member_k.
TrainConfig committee_member(const TrainConfig& base, int k, const std::string& dir);

// `lnet train` with training.committee > 1: every member in turn, with the user's options (an
// earlier run's outputs are replaced only with --force; --resume continues each member from its
// checkpoint, and starts those that have none). Returns the model paths, member order.
std::vector<std::string> train_committee_run(const TrainConfig& config,
                                             const TrainOptions& options);

// `lnet learn`'s committee: trains `members` models with lnet::train, member k with seed
// base.seed + k into <dir>/member_k (base.output_dir is ignored). A member whose
// <dir>/member_k.done exists is not trained again; one interrupted mid-training resumes from its
// checkpoint. Returns the model paths, member order.
std::vector<std::string> train_committee(const TrainConfig& base, int members,
                                         const std::string& dir, const TrainOptions& options);

}  // namespace lnet
