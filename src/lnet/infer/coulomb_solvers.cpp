#include "lnet/infer/coulomb_solvers.hpp"

#include <ostream>

#include "lnet/core/error.hpp"
#include "lnet/infer/coulomb_tuning.hpp"

namespace lnet::infer {
namespace {

void describe_kmax(const CoulombParameters& p, std::ostream& os) {
  os << " kmax=" << p.kmax[0] << "x" << p.kmax[1] << "x" << p.kmax[2];
}

void describe_mesh(const CoulombParameters& p, std::ostream& os) {
  os << " mesh=" << p.mesh[0] << "x" << p.mesh[1] << "x" << p.mesh[2] << " order=" << p.order;
}

}  // namespace

const std::vector<CoulombSolver>& coulomb_solvers() {
  using namespace coulomb_detail;
  static const std::vector<CoulombSolver> solvers = {
      {CoulombMethod::Ewald, "ewald", true, ewald_fixes_grid, ewald_initial_split, ewald_tune_grid,
       ewald_grid_cost, describe_kmax, make_ewald},
      {CoulombMethod::PME, "pme", true, pme_fixes_grid, pme_initial_split, pme_tune_grid,
       pme_grid_cost, describe_mesh, make_pme},
      {CoulombMethod::Direct, "direct", false, nullptr, nullptr, nullptr, nullptr, nullptr,
       nullptr},
  };
  return solvers;
}

const CoulombSolver& coulomb_solver(CoulombMethod m) {
  for (const CoulombSolver& s : coulomb_solvers())
    if (s.method == m) return s;
  throw Error("coulomb: the electrostatics parameters are not resolved (method auto)");
}

const CoulombSolver& open_boundary_solver() {
  for (const CoulombSolver& s : coulomb_solvers())
    if (!s.periodic) return s;
  throw Error("coulomb: no solver for open boundaries is registered");
}

}  // namespace lnet::infer
