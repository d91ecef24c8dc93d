// Minimum-image pair vectors with multiplicity, phonopy's "smallest vectors".
//
// The force constant between primitive atom p and supercell atom k stands for one pair, but in
// a periodic supercell k has infinitely many images. The dynamical matrix takes the shortest
// vector(s) r_k + T − r_p over supercell translations T; when several are equally short (k on
// the Wigner–Seitz boundary of p), each gets weight 1/multiplicity. This makes D(q) smooth and
// correct at q off the commensurate grid (phonopy.structure.cells.ShortestPairs).
#pragma once
#include <vector>

#include "lnet/phonon/supercell.hpp"

namespace lnet {

class ImageTable {
 public:
  // `tolerance` (Å): vectors whose lengths differ by less count as equally short (phonopy's
  // symprec, 1e-5 Å).
  explicit ImageTable(const Supercell& supercell, double tolerance = 1e-5);

  // Shortest vectors from primitive atom p (its supercell copy) to supercell atom k, in
  // fractional coordinates of the PRIMITIVE cell (what phases exp(2πi q·v) need).
  const std::vector<Vec3>& vectors(int p, int k) const { return frac_[p * n_super_ + k]; }
  // The same in Cartesian Å.
  const std::vector<Vec3>& cartesian(int p, int k) const { return cart_[p * n_super_ + k]; }
  int n_primitive() const { return n_prim_; }
  int n_super() const { return n_super_; }

 private:
  int n_prim_ = 0, n_super_ = 0;
  std::vector<std::vector<Vec3>> frac_, cart_;
};

// Basis of the same lattice with short, nearly orthogonal rows (pairwise Gauss–Lagrange
// reduction, repeated until nothing shrinks), so that a search over ±2 images is complete.
Mat3 reduced_basis(const Mat3& cell);

}  // namespace lnet
