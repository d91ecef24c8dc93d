// Supercells of a primitive cell for finite-displacement force constants.
//
// Matrix convention (lnet, as ASE's make_supercell): supercell lattice vector i (row i of the
// supercell's cell) = Σ_j P(i, j) a_j, a_j the rows of the primitive cell. phonopy's DIM /
// supercell_matrix S is the transpose (its columns build the supercell vectors): S = Pᵀ.
//
// Atom order is phonopy's (phonopy.structure.cells.Supercell, is_old_style=True), so that a
// FORCE_CONSTANTS file written in this order is read by phonopy without remapping: atoms grouped
// by primitive atom (atom p of the primitive cell owns supercell atoms p·N … p·N + N − 1, N =
// |det P|), and within a group the lattice points of the bounding "surrounding" supercell with
// the a index running fastest, then b, then c, duplicates (same site modulo the supercell)
// dropped in that order. The first atom of each group is the primitive atom itself (lattice
// point 0), wrapped into the supercell.
#pragma once
#include <Eigen/Dense>
#include <array>
#include <vector>

#include "lnet/core/structure.hpp"

namespace lnet {

using Mat3i = Eigen::Matrix3i;

struct Supercell {
  Structure structure;                      // the supercell (periodic in 3D)
  Mat3i matrix = Mat3i::Identity();         // P (rows), see above
  std::vector<int> to_primitive;            // primitive atom of each supercell atom (s2p)
  std::vector<int> from_primitive;          // supercell index of each primitive atom (p2s)
  std::vector<std::array<int, 3>> lattice;  // n_s: r_s = r_p + n_s·(primitive rows), per atom

  int multiplicity() const { return std::abs(matrix.determinant()); }
  std::size_t size() const { return structure.size(); }
  // Supercell atom at r_k − (n_s lattice vector) modulo the supercell: translation_map()[s][k].
  // Used to expand primitive-row force constants to the full supercell.
  std::vector<std::vector<int>> translation_map() const;
};

// Builds the supercell of `primitive` (3D periodic) for `matrix`. InputError naming `where` for a
// singular matrix (det = 0: the supercell does not contain the primitive cell) or a primitive
// cell that is not periodic in 3D.
Supercell make_supercell(const Structure& primitive, const Mat3i& matrix,
                         const std::string& where = "supercell.matrix");

// Integer matrix from 9 (row-major) or 3 (diagonal) numbers; InputError naming `where` for
// another count or a non-integer entry ("the supercell must contain the primitive cell").
Mat3i supercell_matrix_from_numbers(const std::vector<double>& numbers, const std::string& where);

// The smallest diagonal-ish supercell whose three perpendicular widths (distance between
// opposite faces) are all >= `min_length` (Å): the diagonal multiples n_i = ceil(L / w_i) of the
// primitive cell, w_i its widths, and, when it has fewer atoms, the same search over the
// conventional-cubic-like combinations of cubic fcc/bcc primitive vectors. Deterministic.
Mat3i supercell_matrix_for_min_length(const Structure& primitive, double min_length);

// Perpendicular widths of a cell (rows): V / |a_j × a_k|.
Vec3 perpendicular_widths(const Mat3& cell);

// Representatives of Z³ modulo the row lattice of `m` (|det m| of them), in phonopy's order:
// bounding box of the parallelepiped, a index fastest; each the first one found of its class.
std::vector<std::array<int, 3>> lattice_points(const Mat3i& m);

}  // namespace lnet
