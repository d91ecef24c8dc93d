// lnet-lammps: Debian's LAMMPS (liblammps, which has no PLUGIN package) with `pair_style lnet`
// and `compute lnet/atom` registered. Runs an input script exactly like `lmp` and takes the
// same command-line flags (-in, -var, -log, -screen, -echo, ...):
//   mpirun -np 2 build/lnet-lammps -in in.nacl.lammps
// The structure follows LAMMPS's own src/main.cpp; the styles are added to the style maps
// after LAMMPS is constructed and before the input is read.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "compute_lnet_atom.h"
#include "force.h"
#include "input.h"
#include "lammps.h"
#include "lmppython.h"
#include "modify.h"
#include "pair_lnet.h"

using namespace LAMMPS_NS;

namespace {

Pair* create_pair_lnet(LAMMPS* lmp) { return new PairLnet(lmp); }
Compute* create_compute_lnet_atom(LAMMPS* lmp, int narg, char** arg) {
  return new ComputeLnetAtom(lmp, narg, arg);
}

// As the lnet CLI does (src/lnet/cli/main.cpp): Debian's OpenBLAS busy-waits with one thread per
// core and libgomp's threads spin unless told otherwise, and both read the environment when they
// are loaded, so re-execute once with it set (before MPI_Init). A user's own settings are kept.
void ensure_thread_environment(char** argv) {
  if (std::getenv("OPENBLAS_NUM_THREADS") && std::getenv("OMP_WAIT_POLICY")) return;
  setenv("OPENBLAS_NUM_THREADS", "1", 0);
  setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
  execv("/proc/self/exe", argv);  // returns only on failure; then carry on as we are
}

}  // namespace

int main(int argc, char** argv) {
  ensure_thread_environment(argv);
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
