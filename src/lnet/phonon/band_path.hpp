// Paths through the Brillouin zone for dispersions: standard labels for cubic fcc,
// bcc, simple cubic and hexagonal lattices, or explicit q-points. q in fractional coordinates
// of the PRIMITIVE cell's reciprocal lattice (phonopy's convention, no 2π).
//
// Cubic special points are defined in Cartesian units of 1/a (a the conventional cubic lattice
// constant; cubic axes must be along x, y, z) and converted with the actual cell, so any
// choice of primitive vectors works. Hexagonal points are fractional for a = b, γ = 120° or 60°,
// c ⟂ ab. "G" (or "Γ", "Gamma") is Γ.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "lnet/core/structure.hpp"

namespace lnet {

enum class LatticeKind { unknown, cubic, fcc, bcc, hexagonal };
std::string to_string(LatticeKind k);
// InputError naming `where` for an unknown name ("fcc", "bcc", "cubic"/"sc", "hexagonal"/"hex").
LatticeKind lattice_kind_from_string(const std::string& name, const std::string& where);

// Which of the supported lattices `cell` is (with cubic axes along x, y, z), or unknown.
LatticeKind detect_lattice(const Mat3& cell, double tolerance = 1e-4);

// Special points (fractional) of `kind` for `cell`. InputError naming `where` when the cell is
// not of that kind.
std::map<std::string, Vec3> special_points(LatticeKind kind, const Mat3& cell,
                                           const std::string& where);

// The standard path of `kind`, as segments of labels (a '|' in text form breaks the line).
std::vector<std::vector<std::string>> default_path(LatticeKind kind);
// "G X W K G L | U X" -> {{G, X, W, K, G, L}, {U, X}}.
std::vector<std::vector<std::string>> parse_path_labels(const std::string& text);

struct BandPath {
  std::vector<std::vector<Vec3>> corners;             // per segment: the given points
  std::vector<std::vector<std::string>> labels;       // per segment, per corner ("" if unnamed)
  std::vector<Vec3> qpoints;                          // all sampled points, fractional
  std::vector<double> distance;                       // cumulative |Δq| (1/Å, no 2π), per point
  std::vector<int> segment;                           // index of the straight piece of each point
  std::vector<std::pair<double, std::string>> ticks;  // corner positions and labels
};

// Samples each straight piece between consecutive corners with `points_per_piece` points
// (both ends included; a line break starts a new piece at the same distance).
BandPath sample_path(const std::vector<std::vector<Vec3>>& corners,
                     const std::vector<std::vector<std::string>>& labels, const Mat3& cell,
                     int points_per_piece);

}  // namespace lnet
