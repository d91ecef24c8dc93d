#include "lnet/infer/coulomb_kspace.hpp"

#include <cmath>

#include "lnet/core/error.hpp"

namespace lnet::infer {

std::unique_ptr<KSpace> make_kspace(const CoulombParameters& p, const Mat3& cell) {
  if (!(std::abs(cell.determinant()) > 1e-10))
    throw Error("coulomb: the periodic cell is singular (zero volume)");
  if (!(p.alpha > 0)) throw Error("coulomb: k-space needs alpha > 0");
  switch (p.method) {
    case CoulombMethod::Ewald:
      return coulomb_detail::make_ewald(p, cell);
    case CoulombMethod::PME:
      return coulomb_detail::make_pme(p, cell);
    case CoulombMethod::Direct:
      break;
  }
  throw Error("coulomb: method direct has no k-space part");
}

}  // namespace lnet::infer
