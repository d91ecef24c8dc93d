#include "lnet/phonon/supercell.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "lnet/core/error.hpp"

namespace lnet {
namespace {

using Key = std::array<int, 4>;  // primitive atom, lattice point (canonical)

Eigen::RowVector3d as_row(const std::array<int, 3>& n) {
  return {double(n[0]), double(n[1]), double(n[2])};
}

// Canonical representative of the lattice point n modulo the row lattice of P: the one whose
// fractional coordinates in the supercell lie in [0, 1).
std::array<int, 3> canonical(const std::array<int, 3>& n, const Mat3i& p, const Mat3& p_inverse) {
  const Eigen::RowVector3d f = as_row(n) * p_inverse;
  Eigen::RowVector3i w;
  for (int a = 0; a < 3; ++a) w[a] = int(std::floor(f[a] + 1e-9));
  const Eigen::RowVector3i r = Eigen::RowVector3i(n[0], n[1], n[2]) - w * p;
  return {r[0], r[1], r[2]};
}

std::string matrix_text(const Mat3i& m) {
  std::ostringstream out;
  out << "[[" << m(0, 0) << ", " << m(0, 1) << ", " << m(0, 2) << "], [" << m(1, 0) << ", "
      << m(1, 1) << ", " << m(1, 2) << "], [" << m(2, 0) << ", " << m(2, 1) << ", " << m(2, 2)
      << "]]";
  return out.str();
}

}  // namespace

std::vector<std::array<int, 3>> lattice_points(const Mat3i& m) {
  const int n = std::abs(m.determinant());
  if (n == 0) throw Error("lattice_points: singular matrix " + matrix_text(m));
  // phonopy's surrounding frame: extent of the parallelepiped spanned by the rows of m along
  // each axis (phonopy builds it from the columns of S = mᵀ, the same vectors).
  std::array<int, 3> frame{};
  for (int a = 0; a < 3; ++a) {
    int lo = 0, hi = 0;
    for (int mask = 1; mask < 8; ++mask) {
      int v = 0;
      for (int i = 0; i < 3; ++i)
        if (mask & (1 << i)) v += m(i, a);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    frame[a] = hi - lo;
  }
  const Mat3 inverse = m.cast<double>().inverse();
  std::vector<std::array<int, 3>> points;
  std::vector<std::array<int, 3>> seen;
  std::map<std::array<int, 3>, bool> have;
  for (int c = 0; c < frame[2]; ++c)
    for (int b = 0; b < frame[1]; ++b)
      for (int a = 0; a < frame[0]; ++a) {
        const std::array<int, 3> p{a, b, c};
        if (have.emplace(canonical(p, m, inverse), true).second) points.push_back(p);
      }
  if (int(points.size()) != n)
    throw Error("lattice_points: found " + std::to_string(points.size()) + " lattice points for " +
                matrix_text(m) + ", expected |det| = " + std::to_string(n));
  return points;
}

Supercell make_supercell(const Structure& primitive, const Mat3i& matrix,
                         const std::string& where) {
  if (!(primitive.pbc[0] && primitive.pbc[1] && primitive.pbc[2]) ||
      !(std::abs(primitive.cell.determinant()) > 1e-9))
    throw InputError(where, "the primitive cell must be periodic in 3D with a non-singular cell");
  const int det = matrix.determinant();
  if (det == 0)
    throw InputError(where, "supercell matrix " + matrix_text(matrix) +
                                " is singular (det = 0): it does not contain the primitive cell");
  if (det < 0)
    throw InputError(where, "supercell matrix " + matrix_text(matrix) +
                                " has a negative determinant (a left-handed supercell); swap two "
                                "rows or change a sign");
  Supercell sc;
  sc.matrix = matrix;
  const int n = det;
  const Mat3 p_inverse = matrix.cast<double>().inverse();
  const Mat3 cell = matrix.cast<double>() * primitive.cell;
  const Mat3 prim_inverse = primitive.cell.inverse();
  const auto points = lattice_points(matrix);

  Structure& s = sc.structure;
  s.cell = cell;
  s.pbc = {true, true, true};
  const std::size_t np = primitive.size();
  for (std::size_t p = 0; p < np; ++p) {
    sc.from_primitive.push_back(int(p * n));
    const Eigen::RowVector3d x = primitive.positions[p].transpose() * prim_inverse;
    for (const auto& lp : points) {
      // Fractional coordinates in the supercell, wrapped into [0, 1) as phonopy does; the
      // wrapping is a supercell vector w·P, kept in the atom's lattice point.
      const Eigen::RowVector3d f = (as_row(lp) + x) * p_inverse;
      Eigen::RowVector3i w;
      for (int a = 0; a < 3; ++a) w[a] = int(std::floor(f[a]));
      const Eigen::RowVector3d fw = f - w.cast<double>();
      s.numbers.push_back(primitive.numbers[p]);
      s.positions.push_back((fw * cell).transpose());
      const Eigen::RowVector3i nl = Eigen::RowVector3i(lp[0], lp[1], lp[2]) - w * matrix;
      sc.lattice.push_back({nl[0], nl[1], nl[2]});
      sc.to_primitive.push_back(int(p));
    }
  }
  return sc;
}

std::vector<std::vector<int>> Supercell::translation_map() const {
  const Mat3 p_inverse = matrix.cast<double>().inverse();
  std::map<Key, int> index;
  for (std::size_t k = 0; k < size(); ++k) {
    const auto c = canonical(lattice[k], matrix, p_inverse);
    index[{to_primitive[k], c[0], c[1], c[2]}] = int(k);
  }
  std::vector<std::vector<int>> map(size(), std::vector<int>(size()));
  for (std::size_t s = 0; s < size(); ++s)
    for (std::size_t k = 0; k < size(); ++k) {
      const std::array<int, 3> d{lattice[k][0] - lattice[s][0], lattice[k][1] - lattice[s][1],
                                 lattice[k][2] - lattice[s][2]};
      const auto c = canonical(d, matrix, p_inverse);
      map[s][k] = index.at({to_primitive[k], c[0], c[1], c[2]});
    }
  return map;
}

Mat3i supercell_matrix_from_numbers(const std::vector<double>& numbers, const std::string& where) {
  if (numbers.size() != 9 && numbers.size() != 3)
    throw InputError(where, "expected 3 (diagonal) or 9 (row-major 3x3) integers, got " +
                                std::to_string(numbers.size()) + " numbers");
  Mat3i m = Mat3i::Zero();
  for (std::size_t i = 0; i < numbers.size(); ++i) {
    const double v = numbers[i];
    if (!std::isfinite(v) || std::abs(v - std::round(v)) > 1e-8)
      throw InputError(where, "entry " + std::to_string(i + 1) + " = " + std::to_string(v) +
                                  " is not an integer: the supercell must contain the primitive "
                                  "cell (integer combinations of its vectors)");
    if (numbers.size() == 9)
      m(int(i) / 3, int(i) % 3) = int(std::lround(v));
    else
      m(int(i), int(i)) = int(std::lround(v));
  }
  return m;
}

Vec3 perpendicular_widths(const Mat3& cell) {
  const double v = std::abs(cell.determinant());
  Vec3 w;
  for (int i = 0; i < 3; ++i) {
    const Vec3 c = Vec3(cell.row((i + 1) % 3)).cross(Vec3(cell.row((i + 2) % 3)));
    w[i] = v / c.norm();
  }
  return w;
}

Mat3i supercell_matrix_for_min_length(const Structure& primitive, double min_length) {
  if (!(min_length > 0)) throw InputError("supercell.min_length", "must be positive (Å)");
  const Vec3 widths = perpendicular_widths(primitive.cell);
  Mat3i best = Mat3i::Zero();
  for (int a = 0; a < 3; ++a)
    best(a, a) = std::max(1, int(std::ceil(min_length / widths[a] - 1e-9)));
  // Cubic shapes: a conventional cubic cell a_c·I (axes along x, y, z) that is an integer
  // combination of the primitive vectors (fcc: 4 primitive cells, bcc: 2, sc: 1).
  const double volume = std::abs(primitive.cell.determinant());
  const Mat3 inverse = primitive.cell.inverse();
  for (int cells : {1, 2, 4}) {
    const double ac = std::cbrt(cells * volume);
    const Mat3 t = ac * inverse;  // rows: conventional vectors in primitive coordinates
    if (((t.array() - t.array().round()).abs() > 1e-6).any()) continue;
    const Mat3i ti = t.array().round().cast<int>().matrix();
    if (std::abs(ti.determinant()) != cells) continue;
    const int m = std::max(1, int(std::ceil(min_length / ac - 1e-9)));
    Mat3i candidate = m * ti;
    if (candidate.determinant() < 0) candidate.row(0) *= -1;
    if (candidate.determinant() < best.determinant()) best = candidate;
  }
  return best;
}

}  // namespace lnet
