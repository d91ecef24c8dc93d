#include "compute_lnet_atom.h"

#include "atom.h"
#include "error.h"
#include "force.h"
#include "memory.h"
#include "pair_lnet.h"
#include "update.h"

using namespace LAMMPS_NS;

ComputeLnetAtom::ComputeLnetAtom(LAMMPS* lmp, int narg, char** arg) : Compute(lmp, narg, arg) {
  if (narg != 3) error->all(FLERR, "Illegal compute lnet/atom command: no arguments expected");
  peratom_flag = 1;
  size_peratom_cols = 4;
}

ComputeLnetAtom::~ComputeLnetAtom() { memory->destroy(values_); }

void ComputeLnetAtom::init() {
  pair_ = dynamic_cast<PairLnet*>(force->pair_match("lnet", 1, 0));
  if (!pair_) error->all(FLERR, "compute lnet/atom needs pair_style lnet");
  if (!pair_->long_range())
    error->all(FLERR, "compute lnet/atom: the model is short-range (no charges or dipoles)");
}

void ComputeLnetAtom::compute_peratom() {
  invoked_peratom = update->ntimestep;
  // The pair style's per-atom values belong to the local atoms of its last evaluation; they are
  // only valid while no reneighbouring happened since, i.e. on the step they were computed.
  if (pair_->last_step() != update->ntimestep)
    error->all(FLERR, "compute lnet/atom: pair lnet was not evaluated on this step");
  if (atom->nmax > nmax_) {
    memory->destroy(values_);
    nmax_ = atom->nmax;
    memory->create(values_, nmax_, 4, "lnet/atom:values");
    array_atom = values_;
  }
  const auto& q = pair_->local_charges();
  const auto& mu = pair_->local_dipoles();
  const int nlocal = atom->nlocal;
  for (int i = 0; i < nlocal; ++i) {
    const bool in = (atom->mask[i] & groupbit) && static_cast<std::size_t>(i) < q.size();
    values_[i][0] = in ? q[i] : 0.0;
    for (int d = 0; d < 3; ++d) values_[i][1 + d] = in ? mu[3 * i + d] : 0.0;
  }
}

double ComputeLnetAtom::memory_usage() { return 4.0 * nmax_ * sizeof(double); }
