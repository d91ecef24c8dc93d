#include "lnet/phonon/band_path.hpp"

#include <cmath>
#include <sstream>

#include "lnet/core/error.hpp"

namespace lnet {
namespace {

// Conventional cells per primitive cell for the cubic kinds.
int cells_per_conventional(LatticeKind k) {
  return k == LatticeKind::fcc ? 4 : k == LatticeKind::bcc ? 2 : 1;
}

// a_c if `cell` is of cubic kind `k` with axes along x, y, z, else 0.
double cubic_constant(LatticeKind k, const Mat3& cell, double tolerance) {
  const double volume = std::abs(cell.determinant());
  const double ac = std::cbrt(cells_per_conventional(k) * volume);
  // The conventional vectors a_c x̂, a_c ŷ, a_c ẑ must be integer combinations of the rows.
  const Mat3 t = ac * cell.inverse();
  if (((t.array() - t.array().round()).abs() > tolerance).any()) return 0;
  if (std::abs(std::round(std::abs(t.determinant())) - cells_per_conventional(k)) > 0.5) return 0;
  // ... and the primitive vectors must be the shortest ones of that kind (an fcc cell is also
  // a simple cubic superlattice of nothing, but a bcc cell contains sc vectors: check lengths).
  const double shortest = std::min({cell.row(0).norm(), cell.row(1).norm(), cell.row(2).norm()});
  const double expected = k == LatticeKind::fcc   ? ac / std::sqrt(2.0)
                          : k == LatticeKind::bcc ? ac * std::sqrt(3.0) / 2
                                                  : ac;
  return std::abs(shortest - expected) < tolerance * ac ? ac : 0;
}

bool is_hexagonal(const Mat3& cell, double tolerance, double& cos_gamma) {
  const Vec3 a = cell.row(0), b = cell.row(1), c = cell.row(2);
  if (std::abs(a.norm() - b.norm()) > tolerance * a.norm()) return false;
  if (std::abs(a.dot(c)) > tolerance * a.norm() * c.norm()) return false;
  if (std::abs(b.dot(c)) > tolerance * b.norm() * c.norm()) return false;
  cos_gamma = a.dot(b) / (a.norm() * b.norm());
  return std::abs(std::abs(cos_gamma) - 0.5) < tolerance;
}

}  // namespace

std::string to_string(LatticeKind k) {
  switch (k) {
    case LatticeKind::cubic:
      return "cubic";
    case LatticeKind::fcc:
      return "fcc";
    case LatticeKind::bcc:
      return "bcc";
    case LatticeKind::hexagonal:
      return "hexagonal";
    default:
      return "unknown";
  }
}

LatticeKind lattice_kind_from_string(const std::string& name, const std::string& where) {
  if (name == "fcc") return LatticeKind::fcc;
  if (name == "bcc") return LatticeKind::bcc;
  if (name == "cubic" || name == "sc") return LatticeKind::cubic;
  if (name == "hexagonal" || name == "hex") return LatticeKind::hexagonal;
  if (name == "auto") return LatticeKind::unknown;
  throw InputError(where,
                   "unknown lattice '" + name + "' (expected auto, fcc, bcc, cubic or hexagonal)");
}

LatticeKind detect_lattice(const Mat3& cell, double tolerance) {
  for (LatticeKind k : {LatticeKind::fcc, LatticeKind::bcc, LatticeKind::cubic})
    if (cubic_constant(k, cell, tolerance) > 0) return k;
  double cg;
  if (is_hexagonal(cell, tolerance, cg)) return LatticeKind::hexagonal;
  return LatticeKind::unknown;
}

std::map<std::string, Vec3> special_points(LatticeKind kind, const Mat3& cell,
                                           const std::string& where) {
  std::map<std::string, Vec3> cart;  // units 1/a, no 2π
  switch (kind) {
    case LatticeKind::fcc:
      cart = {{"X", {0, 1, 0}},
              {"L", {0.5, 0.5, 0.5}},
              {"W", {0.5, 1, 0}},
              {"K", {0.75, 0.75, 0}},
              {"U", {0.25, 1, 0.25}}};
      break;
    case LatticeKind::bcc:
      cart = {{"H", {0, 1, 0}}, {"N", {0.5, 0.5, 0}}, {"P", {0.5, 0.5, 0.5}}};
      break;
    case LatticeKind::cubic:
      cart = {{"X", {0, 0.5, 0}}, {"M", {0.5, 0.5, 0}}, {"R", {0.5, 0.5, 0.5}}};
      break;
    case LatticeKind::hexagonal: {
      double cg = 0;
      if (!is_hexagonal(cell, 1e-4, cg))
        throw InputError(where,
                         "the cell is not hexagonal with a = b, c ⟂ a, b and γ = 60° or "
                         "120°; give the q-points explicitly (path.points)");
      // γ = 120°: K = (1/3, 1/3, 0); γ = 60°: K = (2/3, 1/3, 0) (derived from |ΓK| = 2/3a).
      const Vec3 k = cg < 0 ? Vec3(1. / 3, 1. / 3, 0) : Vec3(2. / 3, 1. / 3, 0);
      return {{"G", Vec3::Zero()}, {"M", {0.5, 0, 0}},   {"K", k},
              {"A", {0, 0, 0.5}},  {"L", {0.5, 0, 0.5}}, {"H", k + Vec3(0, 0, 0.5)}};
    }
    default:
      throw InputError(where,
                       "no standard labels for this lattice (supported: fcc, bcc, cubic, "
                       "hexagonal); give the q-points explicitly (path.points)");
  }
  const double ac = cubic_constant(kind, cell, 1e-4);
  if (!(ac > 0))
    throw InputError(where, "the cell is not " + to_string(kind) +
                                " with cubic axes along x, y, z; give the q-points explicitly "
                                "(path.points)");
  std::map<std::string, Vec3> frac{{"G", Vec3::Zero()}};
  for (const auto& [label, q] : cart) frac[label] = cell * (q / ac);  // q_frac = L q_cart
  return frac;
}

std::vector<std::vector<std::string>> default_path(LatticeKind kind) {
  switch (kind) {
    case LatticeKind::fcc:
      return parse_path_labels("G X W K G L U W L K | U X");
    case LatticeKind::bcc:
      return parse_path_labels("G H N G P H | P N");
    case LatticeKind::cubic:
      return parse_path_labels("G X M G R X | M R");
    case LatticeKind::hexagonal:
      return parse_path_labels("G M K G A L H A | L M | K H");
    default:
      return {};
  }
}

std::vector<std::vector<std::string>> parse_path_labels(const std::string& text) {
  std::vector<std::vector<std::string>> out(1);
  std::string spaced;
  for (char c : text) spaced += c == '|' || c == ',' ? std::string(" | ") : std::string(1, c);
  std::istringstream in(spaced);
  std::string token;
  while (in >> token) {
    if (token == "|") {
      if (!out.back().empty()) out.emplace_back();
      continue;
    }
    if (token == "Γ" || token == "Gamma" || token == "GAMMA" || token == "\\Gamma") token = "G";
    out.back().push_back(token);
  }
  if (out.back().empty()) out.pop_back();
  return out;
}

BandPath sample_path(const std::vector<std::vector<Vec3>>& corners,
                     const std::vector<std::vector<std::string>>& labels, const Mat3& cell,
                     int points_per_piece) {
  BandPath path;
  path.corners = corners;
  path.labels = labels;
  const Mat3 reciprocal = cell.inverse();
  double x = 0;
  int piece = 0;
  for (std::size_t s = 0; s < corners.size(); ++s) {
    const auto& c = corners[s];
    auto label = [&](std::size_t i) {
      return s < labels.size() && i < labels[s].size() ? labels[s][i] : "";
    };
    if (!c.empty()) {
      // A break: join labels "U|K" at the same position.
      if (!path.ticks.empty() && s > 0 && path.ticks.back().first == x)
        path.ticks.back().second += "|" + label(0);
      else
        path.ticks.emplace_back(x, label(0));
    }
    for (std::size_t i = 0; i + 1 < c.size(); ++i, ++piece) {
      const double length = (reciprocal * (c[i + 1] - c[i])).norm();
      for (int k = 0; k < points_per_piece; ++k) {
        const double t = points_per_piece > 1 ? double(k) / (points_per_piece - 1) : 0.0;
        path.qpoints.push_back(c[i] + t * (c[i + 1] - c[i]));
        path.distance.push_back(x + t * length);
        path.segment.push_back(piece);
      }
      x += length;
      path.ticks.emplace_back(x, label(i + 1));
    }
  }
  return path;
}

}  // namespace lnet
