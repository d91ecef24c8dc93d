// lnet-lammps: Debian's LAMMPS (liblammps, which has no PLUGIN package) with `pair_style lnet`
// and `compute lnet/atom` registered. Runs an input script exactly like `lmp` and takes the
// same command-line flags (-in, -var, -log, -screen, -echo, ...):
//   mpirun -np 2 build/lnet-lammps -in in.nacl.lammps
// The structure follows LAMMPS's own src/main.cpp; the styles are added to the style maps
// after LAMMPS is constructed and before the input is read.
#include <cstdio>
#include <cstdlib>

#include "compute_lnet_atom.h"
#include "force.h"
#include "input.h"
#include "lammps.h"
#include "lmppython.h"
#include "lnet/core/thread_environment.hpp"
#include "modify.h"
#include "pair_lnet.h"

using namespace LAMMPS_NS;

namespace {

Pair* create_pair_lnet(LAMMPS* lmp) { return new PairLnet(lmp); }
Compute* create_compute_lnet_atom(LAMMPS* lmp, int narg, char** arg) {
  return new ComputeLnetAtom(lmp, narg, arg);
}

}  // namespace

int main(int argc, char** argv) {
  lnet::ensure_thread_environment(argv);
  MPI_Init(&argc, &argv);
  try {
    auto* lmp = new LAMMPS(argc, argv, MPI_COMM_WORLD);
    (*lmp->force->pair_map)["lnet"] = &create_pair_lnet;
    (*lmp->modify->compute_map)["lnet/atom"] = &create_compute_lnet_atom;
    lmp->input->file();
    delete lmp;
  } catch (const std::exception& e) {  // LAMMPS reports its own errors; this is anything else
    fprintf(stderr, "lnet-lammps: %s\n", e.what());
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  Python::finalize();
  MPI_Barrier(MPI_COMM_WORLD);
  MPI_Finalize();
  return 0;
}
