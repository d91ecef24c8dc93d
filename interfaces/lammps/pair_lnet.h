// pair_style lnet: lnet's long-range machine-learning potential in LAMMPS.
//
//   pair_style lnet model.lnet [efield Ex Ey Ez] [efield_ac Ex Ey Ez f phase] [dtype float64]
//                              [electrostatics method accuracy] [threads N]
//                              [parallel auto|domain|replicated]
//   pair_coeff * * Na Cl        (one element symbol per LAMMPS atom type)
//
// units metal: eV, Å, ps; fields in V/Å, f in THz (E(t) = E0 cos(2π f t + phase), t in ps).
//
// Parallelisation (`parallel auto|domain|replicated`, default auto: domain on more than one
// rank when the model allows it, see README.md):
//  - domain: each rank evaluates its own atoms with the ghost atoms LAMMPS keeps around them
//    (ghost cutoff = layers × cutoff of the networks, or the real-space cutoff of the
//    electrostatics if larger); ghost forces go to their owners by LAMMPS's reverse
//    communication (newton_pair on), the charges and dipoles of ghosts come from their owners
//    by forward communication, and the k-space mesh (PME) or structure factors (Ewald) are
//    summed over ranks (MPI_Allreduce); energy, virial and M are sums of the ranks' shares.
//  - replicated: every rank gathers all atoms (tags, types, unwrapped positions) and evaluates
//    the whole system; each rank keeps the forces of its own atoms and rank 0 alone contributes
//    energy, virial and the extra quantities. Bitwise identical on any number of ranks, but the
//    work is not divided. Used for one rank, open boundaries and models the fast engine does
//    not run (polarizable).
//
// Extra quantities for `compute ID all pair lnet` (pvector, summed over ranks by the compute):
//   1-3: Born dipole M = Σ q_i r_i + Σ μ_i (e·Å) from unwrapped positions
//   4:   field energy -E·M (eV), already part of the pair energy
//   5-7: the field E (V/Å) used for this step
#pragma once
#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pair.h"

namespace lnet::lammps {
class Engine;
struct EngineResult;
struct Want;
}  // namespace lnet::lammps

namespace LAMMPS_NS {

class PairLnet : public Pair {
 public:
  explicit PairLnet(LAMMPS* lmp);
  ~PairLnet() override;

  void compute(int eflag, int vflag) override;
  void settings(int narg, char** arg) override;
  void coeff(int narg, char** arg) override;
  void init_style() override;
  double init_one(int i, int j) override;
  void write_restart(FILE* fp) override;
  void read_restart(FILE* fp) override;
  double memory_usage() override;
  int pack_forward_comm(int n, int* list, double* buf, int pbc_flag, int* pbc) override;
  void unpack_forward_comm(int n, int first, double* buf) override;

  // Per-atom results of the last compute() for the local atoms (compute lnet/atom).
  bool long_range() const;
  bigint last_step() const { return last_step_; }
  // compute lnet/atom: registry quantities (per atom) every evaluation from now on gives, and
  // the last evaluation's values of `name` for the local atoms (columns per atom as
  // lnet::lammps::quantity_columns).
  void want_quantities(const std::vector<std::string>& names);
  const std::vector<double>& local_quantity(const std::string& name) const;

 private:
  void allocate();
  void map_elements(const std::vector<std::string>& symbols);
  std::array<double, 3> field_now() const;
  void gather_atoms();
  // The whole system on every rank (replicated), results in *result_.
  void compute_replicated(const lnet::lammps::Want& want);
  void compute_domain(const lnet::lammps::Want& want);
  class RankComm;

  enum class Parallel { Auto, Domain, Replicated };
  Parallel parallel_ = Parallel::Auto;
  bool domain_ = false;  // the mode init_style() chose for this run
  // Forward communication in progress: `fwd_width_` numbers per atom in `fwd_values_`.
  double* fwd_values_ = nullptr;
  int fwd_width_ = 0;

  std::unique_ptr<lnet::lammps::Engine> engine_;
  std::unique_ptr<lnet::lammps::EngineResult> result_;
  std::vector<std::string> style_args_;  // pair_style arguments, kept for restart files
  std::vector<std::string> elements_;    // per type (1-based types: elements_[type - 1])
  std::vector<int> type_number_;         // atomic number per type, index = type
  std::array<double, 3> efield_{};       // V/Å
  bool ac_ = false;
  double ac_frequency_ = 0, ac_phase_ = 0;  // THz, rad

  // Whole system, ordered by tag (the same order on every rank and for any rank count).
  std::vector<int> counts_, displs_;
  std::vector<tagint> tags_all_;
  std::vector<int> types_all_, numbers_, order_, sorted_index_;
  std::vector<double> x_all_, x_sorted_;
  std::vector<tagint> tags_local_;
  std::vector<int> types_local_;
  std::vector<double> x_local_;

  std::vector<std::string> quantities_;
  std::map<std::string, std::vector<double>> local_quantities_;
  bigint last_step_ = -1;

  // Domain decomposition: local and ghost atoms.
  std::vector<int> numbers_nall_;
  std::vector<double> x_nall_;

  // Time in the gather (MPI) and in the model, reported on rank 0 when the style is deleted.
  int me_ = 0;
  long calls_ = 0;
  double gather_seconds_ = 0, model_seconds_ = 0;
};

}  // namespace LAMMPS_NS
