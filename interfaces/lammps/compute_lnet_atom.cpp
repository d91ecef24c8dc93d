#include "compute_lnet_atom.h"

#include "atom.h"
#include "error.h"
#include "force.h"
#include "lnet_engine.hpp"
#include "memory.h"
#include "pair_lnet.h"
#include "update.h"

using namespace LAMMPS_NS;

ComputeLnetAtom::ComputeLnetAtom(LAMMPS* lmp, int narg, char** arg) : Compute(lmp, narg, arg) {
  for (int k = 3; k < narg; ++k) names_.emplace_back(arg[k]);
  if (names_.empty()) names_ = {"charges", "atomic_dipoles"};
  size_peratom_cols = 0;
  for (const std::string& name : names_) {
    try {
      columns_.push_back(lnet::lammps::quantity_columns(name));
    } catch (const std::exception& e) {
      error->all(FLERR, e.what());
    }
    size_peratom_cols += columns_.back();
  }
  peratom_flag = 1;
}

ComputeLnetAtom::~ComputeLnetAtom() { memory->destroy(values_); }

void ComputeLnetAtom::init() {
  pair_ = dynamic_cast<PairLnet*>(force->pair_match("lnet", 1, 0));
  if (!pair_) error->all(FLERR, "compute lnet/atom needs pair_style lnet");
  for (const std::string& name : names_)
    if ((name == "charges" || name == "atomic_dipoles") && !pair_->long_range())
      error->all(FLERR, "compute lnet/atom: the model is short-range (no " + name + ")");
  pair_->want_quantities(names_);
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
    memory->create(values_, nmax_, size_peratom_cols, "lnet/atom:values");
    array_atom = values_;
  }
  const int nlocal = atom->nlocal;
  int first = 0;
  for (std::size_t q = 0; q < names_.size(); ++q) {
    const std::vector<double>& v = pair_->local_quantity(names_[q]);
    const int cols = columns_[q];
    if (v.size() != static_cast<std::size_t>(cols) * nlocal)
      error->all(FLERR, "compute lnet/atom: pair lnet gave no " + names_[q] + " on this step");
    for (int i = 0; i < nlocal; ++i) {
      const bool in = atom->mask[i] & groupbit;
      for (int c = 0; c < cols; ++c) values_[i][first + c] = in ? v[cols * i + c] : 0.0;
    }
    first += cols;
  }
}

double ComputeLnetAtom::memory_usage() {
  return static_cast<double>(size_peratom_cols) * nmax_ * sizeof(double);
}
