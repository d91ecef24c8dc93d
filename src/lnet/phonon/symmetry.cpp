#include "lnet/phonon/symmetry.hpp"

#include <algorithm>
#include <cmath>

namespace lnet {
namespace {

// Cartesian distance between fractional points a and b modulo the lattice.
double periodic_distance(const Vec3& a, const Vec3& b, const Mat3& cell) {
  Vec3 d = a - b;
  for (int i = 0; i < 3; ++i) d[i] -= std::round(d[i]);
  return (cell.transpose() * d).norm();
}

}  // namespace

CrystalSymmetry find_symmetry(const Structure& s, double tolerance) {
  const Mat3& l = s.cell;
  const Mat3 metric = l * l.transpose();
  const Mat3 l_inv = l.inverse();
  const int n = int(s.size());
  std::vector<Vec3> x(n);
  for (int i = 0; i < n; ++i) x[i] = l_inv.transpose() * s.positions[i];
  // Anchor: an atom of the least frequent species.
  int anchor = 0;
  {
    auto count = [&](int z) { return std::count(s.numbers.begin(), s.numbers.end(), z); };
    for (int i = 0; i < n; ++i)
      if (count(s.numbers[i]) < count(s.numbers[anchor])) anchor = i;
  }
  CrystalSymmetry sym;
  const double metric_tolerance = 1e-5 * metric.cwiseAbs().maxCoeff();
  int entries[9];
  for (int code = 0; code < 19683; ++code) {
    int c = code;
    for (int e = 0; e < 9; ++e) {
      entries[e] = c % 3 - 1;
      c /= 3;
    }
    Mat3i w;
    w << entries[0], entries[1], entries[2], entries[3], entries[4], entries[5], entries[6],
        entries[7], entries[8];
    if (std::abs(w.determinant()) != 1) continue;
    const Mat3 wd = w.cast<double>();
    if ((wd.transpose() * metric * wd - metric).cwiseAbs().maxCoeff() > metric_tolerance) continue;
    for (int j = 0; j < n; ++j) {
      if (s.numbers[j] != s.numbers[anchor]) continue;
      const Vec3 t = x[j] - wd * x[anchor];
      std::vector<int> perm(n, -1);
      bool ok = true;
      for (int i = 0; i < n && ok; ++i) {
        const Vec3 xi = wd * x[i] + t;
        for (int k = 0; k < n; ++k)
          if (s.numbers[k] == s.numbers[i] && periodic_distance(xi, x[k], l) < tolerance) {
            perm[i] = k;
            break;
          }
        ok = perm[i] >= 0;
      }
      if (!ok) continue;
      SymmetryOperation op;
      op.rotation = w;
      op.translation = t.array() - t.array().floor();
      op.cartesian = l.transpose() * wd * l_inv.transpose();
      op.permutation = perm;
      const bool identity =
          w == Mat3i::Identity() && periodic_distance(t, Vec3::Zero(), l) < tolerance;
      if (identity)
        sym.operations.insert(sym.operations.begin(), op);
      else
        sym.operations.push_back(op);
    }
  }
  sym.representative.resize(n);
  for (int i = 0; i < n; ++i) {
    int r = i;
    for (const auto& op : sym.operations) r = std::min(r, op.permutation[i]);
    sym.representative[i] = r;
  }
  for (int i = 0; i < n; ++i)
    if (sym.representative[i] == i) sym.independent.push_back(i);
  return sym;
}

double symmetrize_born(const CrystalSymmetry& symmetry, std::vector<Mat3>& born, Mat3& epsilon) {
  if (symmetry.operations.empty()) return 0;
  const double g = double(symmetry.operations.size());
  std::vector<Mat3> out(born.size(), Mat3::Zero());
  Mat3 eps = Mat3::Zero();
  for (const auto& op : symmetry.operations) {
    const Mat3& r = op.cartesian;
    for (std::size_t i = 0; i < born.size(); ++i)
      out[op.permutation[i]] += r * born[i] * r.transpose() / g;
    eps += r * epsilon * r.transpose() / g;
  }
  double change = (eps - epsilon).cwiseAbs().maxCoeff();
  for (std::size_t i = 0; i < born.size(); ++i)
    change = std::max(change, (out[i] - born[i]).cwiseAbs().maxCoeff());
  born = std::move(out);
  epsilon = eps;
  return change;
}

}  // namespace lnet
