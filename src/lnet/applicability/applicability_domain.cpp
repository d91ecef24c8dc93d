#include "lnet/applicability/applicability_domain.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/neighbor_list.hpp"

namespace lnet {
namespace {

constexpr double kPi = 3.14159265358979323846;

std::pair<int, int> ordered(int a, int b) { return {std::min(a, b), std::max(a, b)}; }

std::string pair_key(const std::pair<int, int>& p) {
  return element_symbol(p.first) + "-" + element_symbol(p.second);
}

std::string atom_name(const Structure& s, int i) {
  return element_symbol(s.numbers[i]) + " " + std::to_string(i + 1);
}

std::string fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace

int ApplicabilityDomain::index_of(int z) const {
  const auto it = std::find(species_.begin(), species_.end(), z);
  return it == species_.end() ? -1 : static_cast<int>(it - species_.begin());
}

double ApplicabilityDomain::min_distance(int a, int b) const {
  const auto it = min_distance_.find(ordered(a, b));
  return it == min_distance_.end() ? cutoff_ : it->second;
}

// D_i[b * K + k] = sum over neighbours j of species b of exp(-((r_ij - r_k) / w)^2) f_c(r_ij),
// centres r_k = (k + 1/2) w, w = cutoff / K, f_c = (1 + cos(pi r / cutoff)) / 2: a smooth
// histogram of neighbour distances per species, invariant under rotations and permutations.
std::vector<std::vector<double>> ApplicabilityDomain::descriptors(const Structure& s) const {
  const int ns = static_cast<int>(species_.size()), nk = kRadialFunctions;
  std::vector<int> index(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    index[i] = index_of(s.numbers[i]);
    if (index[i] < 0)
      throw InputError("atom " + std::to_string(i + 1), "element " + element_symbol(s.numbers[i]) +
                                                            " is not in the training set's domain");
  }
  std::vector<std::vector<double>> d(s.size(), std::vector<double>(std::size_t(ns * nk), 0.0));
  if (s.size() < 1) return d;
  const NeighborList nl = build_neighbor_list(s.positions, s.cell, s.pbc, cutoff_);
  const double w = cutoff_ / nk;
  for (std::size_t p = 0; p < nl.size(); ++p) {
    const int i = nl.first[p], j = nl.second[p];
    const Vec3 shift = s.cell.transpose() * Vec3(nl.shifts[p][0], nl.shifts[p][1], nl.shifts[p][2]);
    const double r = (s.positions[j] - s.positions[i] + shift).norm();
    const double fc = 0.5 * (1 + std::cos(kPi * r / cutoff_));
    double* row = d[i].data() + index[j] * nk;
    for (int k = 0; k < nk; ++k) {
      const double x = (r - (k + 0.5) * w) / w;
      row[k] += std::exp(-x * x) * fc;
    }
  }
  return d;
}

ApplicabilityDomain ApplicabilityDomain::fit(const std::vector<const Structure*>& training,
                                             const std::vector<int>& species, double cutoff) {
  if (!(cutoff > 0)) throw Error("ApplicabilityDomain::fit: the cutoff must be positive");
  ApplicabilityDomain dom;
  dom.cutoff_ = cutoff;
  dom.species_ = species;
  const std::size_t ns = species.size(), dim = ns * kRadialFunctions;
  dom.lo_.assign(ns, std::vector<double>(dim, 1e300));
  dom.hi_.assign(ns, std::vector<double>(dim, -1e300));
  dom.atoms_.assign(ns, 0);
  for (const Structure* s : training) {
    const auto d = dom.descriptors(*s);
    for (std::size_t i = 0; i < s->size(); ++i) {
      const int a = dom.index_of(s->numbers[i]);
      ++dom.atoms_[a];
      for (std::size_t c = 0; c < dim; ++c) {
        dom.lo_[a][c] = std::min(dom.lo_[a][c], d[i][c]);
        dom.hi_[a][c] = std::max(dom.hi_[a][c], d[i][c]);
      }
    }
    if (s->size() < 2) continue;
    const NeighborList nl = build_neighbor_list(s->positions, s->cell, s->pbc, cutoff);
    for (std::size_t p = 0; p < nl.size(); ++p) {
      const int i = nl.first[p], j = nl.second[p];
      const Vec3 shift =
          s->cell.transpose() * Vec3(nl.shifts[p][0], nl.shifts[p][1], nl.shifts[p][2]);
      const double r = (s->positions[j] - s->positions[i] + shift).norm();
      const auto key = ordered(s->numbers[i], s->numbers[j]);
      const auto it = dom.min_distance_.find(key);
      if (it == dom.min_distance_.end() || r < it->second) dom.min_distance_[key] = r;
    }
  }
  return dom;
}

ApplicabilityReport ApplicabilityDomain::assess(const Structure& s) const {
  ApplicabilityReport rep;
  if (empty()) return rep;
  const auto d = descriptors(s);
  rep.atom_novelty.assign(s.size(), 0.0);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const int a = index_of(s.numbers[i]);
    double nov = 0;
    if (atoms_[a] == 0) {
      nov = 1e30;  // a species the training set never had
    } else {
      for (std::size_t c = 0; c < d[i].size(); ++c) {
        const double out = std::max({0.0, d[i][c] - hi_[a][c], lo_[a][c] - d[i][c]});
        nov = std::max(nov, out / std::max(hi_[a][c] - lo_[a][c], kMinRange));
      }
    }
    rep.atom_novelty[i] = nov;
    if (rep.novel_atom < 0 || nov > rep.novelty) {
      rep.novelty = nov;
      rep.novel_atom = static_cast<int>(i);
    }
  }
  if (s.size() >= 2) {
    const NeighborList nl = build_neighbor_list(s.positions, s.cell, s.pbc, cutoff_);
    for (std::size_t p = 0; p < nl.size(); ++p) {
      const int i = nl.first[p], j = nl.second[p];
      const Vec3 shift =
          s.cell.transpose() * Vec3(nl.shifts[p][0], nl.shifts[p][1], nl.shifts[p][2]);
      const double r = (s.positions[j] - s.positions[i] + shift).norm();
      const double ratio = r / min_distance(s.numbers[i], s.numbers[j]);
      if (ratio < rep.distance_ratio) {
        rep.distance_ratio = ratio;
        rep.close_pair = {i, j};
      }
    }
  }
  return rep;
}

std::string ApplicabilityReport::describe(const Structure& s) const {
  std::string out = "novelty " + (novelty >= 1e29 ? std::string("inf") : fixed(novelty, 3));
  if (novel_atom >= 0 && novelty > 0) out += " (atom " + atom_name(s, novel_atom) + ")";
  if (close_pair[0] >= 0)
    out += ", shortest distance " + fixed(distance_ratio, 3) + " x the training set's (atoms " +
           atom_name(s, close_pair[0]) + " and " + atom_name(s, close_pair[1]) + ")";
  return out;
}

nlohmann::json ApplicabilityDomain::to_json() const {
  if (empty()) return nullptr;
  nlohmann::json md = nlohmann::json::object(), ranges = nlohmann::json::object();
  for (const auto& [pair, r] : min_distance_) md[pair_key(pair)] = r;
  for (std::size_t a = 0; a < species_.size(); ++a) {
    if (atoms_[a] == 0) continue;
    ranges[element_symbol(species_[a])] = {{"atoms", atoms_[a]}, {"lo", lo_[a]}, {"hi", hi_[a]}};
  }
  return {{"format_version", 1}, {"cutoff", cutoff_},
          {"species", species_}, {"radial_functions", kRadialFunctions},
          {"min_distance", md},  {"descriptor_range", ranges}};
}

ApplicabilityDomain ApplicabilityDomain::from_json(const nlohmann::json& j,
                                                   const std::string& where) {
  ApplicabilityDomain dom;
  if (j.is_null()) return dom;
  try {
    if (j.at("format_version").get<int>() != 1) throw InputError(where, "unknown format_version");
    if (j.at("radial_functions").get<int>() != kRadialFunctions)
      throw InputError(where, "radial_functions must be " + std::to_string(kRadialFunctions));
    dom.cutoff_ = j.at("cutoff").get<double>();
    if (!(dom.cutoff_ > 0)) throw InputError(where, "cutoff must be positive");
    dom.species_ = j.at("species").get<std::vector<int>>();
    const std::size_t ns = dom.species_.size(), dim = ns * kRadialFunctions;
    dom.lo_.assign(ns, std::vector<double>(dim, 0.0));
    dom.hi_ = dom.lo_;
    dom.atoms_.assign(ns, 0);
    for (const auto& [key, r] : j.at("min_distance").items()) {
      const auto dash = key.find('-');
      if (dash == std::string::npos) throw InputError(where, "min_distance key '" + key + "'");
      dom.min_distance_[ordered(atomic_number(key.substr(0, dash)),
                                atomic_number(key.substr(dash + 1)))] = r.get<double>();
    }
    for (const auto& [symbol, range] : j.at("descriptor_range").items()) {
      const int a = dom.index_of(atomic_number(symbol));
      if (a < 0) throw InputError(where, "descriptor_range of " + symbol + ", not a species");
      dom.atoms_[a] = range.at("atoms").get<long>();
      dom.lo_[a] = range.at("lo").get<std::vector<double>>();
      dom.hi_[a] = range.at("hi").get<std::vector<double>>();
      if (dom.lo_[a].size() != dim || dom.hi_[a].size() != dim)
        throw InputError(where, "descriptor_range of " + symbol + " must have " +
                                    std::to_string(dim) + " components");
    }
  } catch (const nlohmann::json::exception& e) {
    throw InputError(where, std::string("malformed domain record: ") + e.what());
  }
  return dom;
}

}  // namespace lnet
