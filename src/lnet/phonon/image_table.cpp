#include "lnet/phonon/image_table.hpp"

#include <cmath>
#include <limits>

namespace lnet {

Mat3 reduced_basis(const Mat3& cell) {
  Mat3 b = cell;
  for (int iteration = 0; iteration < 100; ++iteration) {
    bool changed = false;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        if (i == j) continue;
        const double r = std::round(b.row(i).dot(b.row(j)) / b.row(j).squaredNorm());
        if (r != 0) {
          const Eigen::RowVector3d candidate = b.row(i) - r * b.row(j);
          if (candidate.squaredNorm() < b.row(i).squaredNorm() * (1 - 1e-12)) {
            b.row(i) = candidate;
            changed = true;
          }
        }
      }
    // Also try sums/differences of all three (the third Minkowski condition).
    for (int i = 0; i < 3; ++i)
      for (int s1 : {-1, 1})
        for (int s2 : {-1, 1}) {
          const Eigen::RowVector3d candidate =
              b.row(i) + s1 * b.row((i + 1) % 3) + s2 * b.row((i + 2) % 3);
          if (candidate.squaredNorm() < b.row(i).squaredNorm() * (1 - 1e-12)) {
            b.row(i) = candidate;
            changed = true;
          }
        }
    if (!changed) break;
  }
  return b;
}

ImageTable::ImageTable(const Supercell& supercell, double tolerance) {
  const Structure& s = supercell.structure;
  n_prim_ = int(supercell.from_primitive.size());
  n_super_ = int(s.size());
  frac_.resize(std::size_t(n_prim_) * n_super_);
  cart_.resize(frac_.size());
  const Mat3 basis = reduced_basis(s.cell);
  const Mat3 basis_inverse = basis.inverse();
  // Primitive cell rows = P⁻¹ · supercell rows.
  const Mat3 prim_cell = supercell.matrix.cast<double>().inverse() * s.cell;
  const Mat3 prim_inverse = prim_cell.inverse();
  for (int p = 0; p < n_prim_; ++p) {
    const Vec3 origin = s.positions[supercell.from_primitive[p]];
    for (int k = 0; k < n_super_; ++k) {
      const Vec3 d = s.positions[k] - origin;
      // Wrap into the reduced cell around the origin first, then search ±2 images.
      Eigen::RowVector3d f = d.transpose() * basis_inverse;
      f = f.array() - f.array().round();
      const Eigen::RowVector3d d0 = f * basis;
      std::vector<std::pair<double, Vec3>> candidates;
      double best = std::numeric_limits<double>::max();
      for (int a = -2; a <= 2; ++a)
        for (int b = -2; b <= 2; ++b)
          for (int c = -2; c <= 2; ++c) {
            const Eigen::RowVector3d v = d0 + Eigen::RowVector3d(a, b, c) * basis;
            const double len = v.norm();
            best = std::min(best, len);
            if (len < best + tolerance) candidates.emplace_back(len, v.transpose());
          }
      auto& fr = frac_[std::size_t(p) * n_super_ + k];
      auto& ca = cart_[std::size_t(p) * n_super_ + k];
      for (const auto& [len, v] : candidates)
        if (len < best + tolerance) {
          ca.push_back(v);
          fr.push_back((v.transpose() * prim_inverse).transpose());
        }
    }
  }
}

}  // namespace lnet
