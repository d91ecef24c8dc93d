// compute ID group lnet/atom: the per-atom charges q_i (e) and dipoles μ_i (e·Å) of the last
// `pair_style lnet` evaluation, as a per-atom array with columns q, mux, muy, muz, e.g.
//   compute qmu all lnet/atom
//   dump 1 all custom 100 traj.dump id type x y z c_qmu[1] c_qmu[2] c_qmu[3] c_qmu[4]
// Long-range models only; atoms outside the group get zeros.
#pragma once
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
};

}  // namespace LAMMPS_NS
