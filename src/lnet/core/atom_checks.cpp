#include "lnet/core/atom_checks.hpp"

#include <cstdio>

#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/neighbor_list.hpp"

namespace lnet {

std::optional<ClosePair> closest_pair(const std::vector<Vec3>& positions, const Mat3& cell,
                                      const std::array<bool, 3>& pbc, double cutoff) {
  if (positions.size() < 2 && !(pbc[0] || pbc[1] || pbc[2])) return std::nullopt;
  const NeighborList list = build_neighbor_list(positions, cell, pbc, cutoff);
  std::optional<ClosePair> best;
  for (std::size_t k = 0; k < list.size(); ++k) {
    const int i = list.first[k], j = list.second[k];
    Vec3 r = positions[j] - positions[i];
    for (int a = 0; a < 3; ++a) r += double(list.shifts[k][a]) * cell.row(a).transpose();
    const double d = r.norm();
    if (!best || d < best->distance) best = ClosePair{std::min(i, j), std::max(i, j), d};
  }
  return best;
}

std::string describe_close_pair(const ClosePair& p, const std::vector<int>& numbers,
                                double min_distance) {
  auto atom = [&](int i) {
    std::string s = std::to_string(i + 1);
    if (i < int(numbers.size())) s += " (" + element_symbol(numbers[i]) + ")";
    return s;
  };
  char d[64], m[64];
  std::snprintf(d, sizeof d, "%.4g", p.distance);
  std::snprintf(m, sizeof m, "%.4g", min_distance);
  const std::string which = p.first == p.second
                                ? "atom " + atom(p.first) + " and its own periodic image are "
                                : "atoms " + atom(p.first) + " and " + atom(p.second) + " are ";
  return which + d + " Å apart, closer than min_distance " + m + " Å";
}

void check_atoms(const Structure& s, double min_distance, const std::string& where) {
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!s.positions[i].allFinite())
      throw InputError(where, "the position of atom " + std::to_string(i + 1) + " (" +
                                  element_symbol(s.numbers[i]) + ") is not finite");
  if (!(min_distance > 0)) return;
  if (const auto pair = closest_pair(s.positions, s.cell, s.pbc, min_distance))
    throw InputError(where, describe_close_pair(*pair, s.numbers, min_distance));
}

}  // namespace lnet
