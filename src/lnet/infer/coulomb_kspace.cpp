#include "lnet/infer/coulomb_kspace.hpp"

#include <cmath>

#include "lnet/core/error.hpp"
#include "lnet/infer/coulomb_solvers.hpp"

namespace lnet::infer {

std::unique_ptr<KSpace> make_kspace(const CoulombParameters& p, const Mat3& cell) {
  if (!(std::abs(cell.determinant()) > 1e-10))
    throw Error("coulomb: the periodic cell is singular (zero volume)");
  if (!(p.alpha > 0)) throw Error("coulomb: k-space needs alpha > 0");
  const CoulombSolver& solver = coulomb_solver(p.method);
  if (!solver.make_kspace)
    throw Error(std::string("coulomb: method ") + solver.name + " has no k-space part");
  return solver.make_kspace(p, cell);
}

}  // namespace lnet::infer
