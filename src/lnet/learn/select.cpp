#include "lnet/learn/select.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "lnet/core/error.hpp"
#include "lnet/core/neighbor_list.hpp"

namespace lnet {

Fingerprint fingerprint(const Structure& s, double cutoff) {
  const NeighborList nl = build_neighbor_list(s.positions, s.cell, s.pbc, cutoff);
  std::map<std::pair<int, int>, std::vector<double>> by_pair;
  for (std::size_t p = 0; p < nl.size(); ++p) {
    const int i = nl.first[p], j = nl.second[p];
    // The full list holds both i->j and j->i: keep each pair once.
    if (i > j) continue;
    Vec3 d = s.positions[j] - s.positions[i];
    for (int k = 0; k < 3; ++k) d += nl.shifts[p][k] * s.cell.row(k).transpose();
    if (i == j) {
      // An atom's own image appears with shift n and -n: keep one of the two.
      const auto& n = nl.shifts[p];
      if (std::make_tuple(n[0], n[1], n[2]) < std::make_tuple(0, 0, 0)) continue;
    }
    const int a = std::min(s.numbers[i], s.numbers[j]), b = std::max(s.numbers[i], s.numbers[j]);
    by_pair[{a, b}].push_back(d.norm());
  }
  Fingerprint f;
  for (auto& [key, list] : by_pair) {
    std::sort(list.begin(), list.end());
    f.distances.emplace_back(key, std::move(list));
  }
  return f;
}

double fingerprint_distance(const Fingerprint& a, const Fingerprint& b) {
  const double inf = std::numeric_limits<double>::infinity();
  if (a.distances.size() != b.distances.size()) return inf;
  double sum = 0;
  std::size_t count = 0;
  for (std::size_t k = 0; k < a.distances.size(); ++k) {
    const auto& [ka, la] = a.distances[k];
    const auto& [kb, lb] = b.distances[k];
    if (ka != kb || la.size() != lb.size()) return inf;
    for (std::size_t m = 0; m < la.size(); ++m) sum += (la[m] - lb[m]) * (la[m] - lb[m]);
    count += la.size();
  }
  return count == 0 ? 0.0 : std::sqrt(sum / double(count));
}

std::vector<std::size_t> select_frames(const std::vector<Structure>& frames,
                                       const std::vector<double>& force_std, const SelectConfig& c,
                                       const std::vector<Structure>& known) {
  if (frames.size() != force_std.size())
    throw Error("select_frames: " + std::to_string(frames.size()) + " frames but " +
                std::to_string(force_std.size()) + " spreads");
  std::vector<std::size_t> candidates;
  for (std::size_t i = 0; i < frames.size(); ++i)
    if (force_std[i] >= c.lower && force_std[i] < c.upper) candidates.push_back(i);
  std::stable_sort(candidates.begin(), candidates.end(),
                   [&](std::size_t a, std::size_t b) { return force_std[a] > force_std[b]; });
  std::vector<Fingerprint> chosen_prints;
  for (const Structure& s : known) chosen_prints.push_back(fingerprint(s, c.fingerprint_cutoff));
  std::vector<std::size_t> chosen;
  for (std::size_t i : candidates) {
    if (static_cast<int>(chosen.size()) >= c.max_frames) break;
    Fingerprint f = fingerprint(frames[i], c.fingerprint_cutoff);
    const bool duplicate = std::any_of(
        chosen_prints.begin(), chosen_prints.end(),
        [&](const Fingerprint& g) { return fingerprint_distance(f, g) < c.min_distance; });
    if (duplicate) continue;
    chosen.push_back(i);
    chosen_prints.push_back(std::move(f));
  }
  return chosen;
}

}  // namespace lnet
