// compute ID group lnet/atom [NAME ...]: per-atom quantities of lnet's registry (lnet eval --help
// lists them) from the last `pair_style lnet` evaluation, as a per-atom array whose columns are
// the named quantities' components in order. Default: charges atomic_dipoles, i.e. the columns
// q (e), mux, muy, muz (e·Å):
//   compute qmu all lnet/atom
//   dump 1 all custom 100 traj.dump id type x y z c_qmu[1] c_qmu[2] c_qmu[3] c_qmu[4]
//   compute zs all lnet/atom bec          # 9 columns: Z*[a][b] row-major
// Atoms outside the group get zeros.
#pragma once
#include <string>
#include <vector>

#include "compute.h"

namespace LAMMPS_NS {

class ComputeLnetAtom : public Compute {
 public:
  ComputeLnetAtom(LAMMPS* lmp, int narg, char** arg);
  ~ComputeLnetAtom() override;
  void init() override;
  void compute_peratom() override;
  double memory_usage() override;

 private:
  class PairLnet* pair_ = nullptr;
  int nmax_ = 0;
  double** values_ = nullptr;
  std::vector<std::string> names_;
  std::vector<int> columns_;  // per name
};

}  // namespace LAMMPS_NS
