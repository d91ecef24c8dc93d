#include "lnet/infer/coulomb_real.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"
#include "lnet/infer/coulomb_pair.hpp"
#include "lnet/infer/coulomb_table.hpp"
#include "lnet/infer/omp_threads.hpp"

namespace lnet::infer {
namespace {

using namespace coulomb_detail;

// The cutoff shift B0(rc) of the Ewald real-space kernel per pair width g2. Widths come per
// species, so a handful of values repeat: memoised in a short list (same arithmetic each time,
// so the shift is bit-identical to computing it per pair).
class CutoffShift {
 public:
  CutoffShift(double alpha, double cutoff) : alpha_(alpha), cutoff_(cutoff) {}
  double operator()(double g2) {
    for (const auto& [g, s] : cache_)
      if (g == g2) return s;
    const double s = ewald_real_kernel(cutoff_, alpha_, g2, false).b0;
    if (cache_.size() < 16) cache_.emplace_back(g2, s);
    return s;
  }

 private:
  double alpha_, cutoff_;
  std::vector<std::pair<double, double>> cache_;
};

// The closest pair of sites within kCoincidentSites seen by one thread.
struct Coincident {
  std::size_t i = 0, j = 0;
  double r2 = INFINITY;
  void see(std::size_t a, std::size_t b, double d2) {
    if (d2 < r2) *this = {a, b, d2};
  }
};

// Per-thread accumulators of what several receivers touch, summed in thread order.
struct ThreadSums {
  double energy = 0;
  Mat3 strain = Mat3::Zero();  // dE/d(strain) before symmetrisation
  std::vector<Vec3> forces, field;
  std::vector<double> potential;
  Coincident coincident;
};

// Thrown after the parallel loops (an exception must not leave an OpenMP region).
void check_coincident(const std::vector<ThreadSums>& sums) {
  Coincident c;
  for (const ThreadSums& t : sums) c.see(t.coincident.i, t.coincident.j, t.coincident.r2);
  if (!std::isfinite(c.r2)) return;
  std::ostringstream os;
  os << "atoms " << std::min(c.i, c.j) + 1 << " and " << std::max(c.i, c.j) + 1 << " coincide ("
     << std::sqrt(c.r2) << " A apart" << (c.i == c.j ? ", with a periodic image" : "")
     << "; sites closer than " << kCoincidentSites << " A are the same site given twice)";
  throw InputError("electrostatics", os.str());
}

void reduce(std::vector<ThreadSums>& sums, ElectrostaticsResult& out) {
  check_coincident(sums);
  Mat3 g = Mat3::Zero();
  for (const ThreadSums& t : sums) {
    out.energy += t.energy;
    g += t.strain;
    for (std::size_t a = 0; a < t.forces.size(); ++a) out.forces[a] += t.forces[a];
    for (std::size_t a = 0; a < t.potential.size(); ++a) out.potential[a] += t.potential[a];
    for (std::size_t a = 0; a < t.field.size(); ++a) out.field[a] += t.field[a];
  }
  out.virial -= 0.5 * (g + g.transpose());  // symmetric strain, W = -dE/d(strain)
}

// The kernel tables of the sites' pair widths: one per pair of distinct widths, indexed by the
// sites' width numbers. Empty (the exact kernel everywhere) when asked, or when the sites carry
// more than kMaxWidths distinct widths (per-site widths rather than per-species ones).
class PairTables {
 public:
  static constexpr std::size_t kMaxWidths = 8;
  PairTables(const CoulombSites& sites, double alpha, double cutoff, bool exact) {
    if (exact) return;
    std::vector<double> widths;
    index_.resize(sites.size);
    for (std::size_t i = 0; i < sites.size; ++i) {
      const double s2 = sites.s2(i);
      std::size_t w = 0;
      while (w < widths.size() && widths[w] != s2) ++w;
      if (w == widths.size()) {
        if (widths.size() == kMaxWidths) {
          index_.clear();
          return;
        }
        widths.push_back(s2);
      }
      index_[i] = static_cast<unsigned char>(w);
    }
    count_ = widths.size();
    const bool dipoles = sites.dipoles != nullptr;
    for (std::size_t a = 0; a < count_; ++a)
      for (std::size_t b = 0; b < count_; ++b) {
        owned_.push_back(real_kernel_table(alpha, widths[a] + widths[b], cutoff, dipoles));
        tables_.push_back(owned_.back()->usable() ? owned_.back().get() : nullptr);
      }
  }
  // The table of pair (i, j), or null for the exact kernel.
  const RealKernelTable* operator()(std::size_t i, std::size_t j) const {
    return index_.empty() ? nullptr : tables_[index_[i] * count_ + index_[j]];
  }

 private:
  std::vector<unsigned char> index_;
  std::size_t count_ = 0;
  std::vector<std::shared_ptr<const RealKernelTable>> owned_;
  std::vector<const RealKernelTable*> tables_;
};

// One of the two images (n, -n) of an atom's own periodic image pair.
bool positive_shift(const std::array<int, 3>& n) {
  if (n[0] != 0) return n[0] > 0;
  if (n[1] != 0) return n[1] > 0;
  return n[2] > 0;
}

}  // namespace

void real_space_sum(const NeighborList& pairs, const Mat3& cell, const CoulombSites& sites,
                    std::size_t num_local, double alpha, double cutoff, ElectrostaticsResult& out,
                    bool exact) {
  const std::size_t n = sites.size;
  const PairTables tables(sites, alpha, cutoff, exact);
  // Start of each receiver's pairs (the list is sorted by receiver).
  std::vector<std::size_t> start(num_local + 1, pairs.size());
  // start[num_local]: the first pair of a ghost receiver (they come after the local ones).
  for (std::size_t k = pairs.size(); k-- > 0;)
    start[std::min(static_cast<std::size_t>(pairs.first[k]), num_local)] = k;
  for (std::size_t i = num_local; i-- > 0;) start[i] = std::min(start[i], start[i + 1]);
  const bool dipoles = sites.dipoles != nullptr;
  const double ke = units::coulomb, c2 = cutoff * cutoff;
  std::vector<ThreadSums> sums(max_threads());
  // Pair-symmetric: a pair of two local atoms is in the list in both directions, (i, j, n) and
  // (j, i, -n); it is evaluated once, from the receiver with i < j (i == j: the positive image),
  // with weight 1 and its terms for both ends. That equals two directed pairs of weight 1/2
  // each. A pair with a ghost (j >= num_local) is evaluated from the local end only, weight 1/2.
#pragma omp parallel
  {
    ThreadSums& my = sums[thread_id()];
    my.forces.assign(n, Vec3::Zero());
    my.field.assign(num_local, Vec3::Zero());
    my.potential.assign(num_local, 0.0);
    CutoffShift shift(alpha, cutoff);
    // Interleaved chunks: receivers with small i hold more pairs with j > i.
#pragma omp for schedule(static, 16)
    for (std::size_t i = 0; i < num_local; ++i) {
      const double qi = sites.q(i);
      const Vec3 mi = sites.mu(i);
      // Receiver i's sums stay in registers over its pairs.
      double potential_i = 0;
      Vec3 field_i = Vec3::Zero(), force_i = Vec3::Zero();
      for (std::size_t k = start[i]; k < start[i + 1]; ++k) {
        const std::size_t j = pairs.second[k];
        const auto& m = pairs.shifts[k];
        const bool local = j < num_local;
        if (local && (j < i || (j == i && !positive_shift(m)))) continue;
        const Vec3 r = sites.positions[j] - sites.positions[i] +
                       (m[0] * cell.row(0) + m[1] * cell.row(1) + m[2] * cell.row(2)).transpose();
        const double r2 = r.squaredNorm();
        if (!(r2 < c2)) continue;
        if (r2 < kCoincidentSites * kCoincidentSites) {
          my.coincident.see(i, j, r2);
          continue;
        }
        const double g2 = sites.s2(i) + sites.s2(j);
        const RealKernelTable* table = tables(i, j);
        Radial b = table && r2 >= table->s_min()
                       ? (*table)(r2)
                       : ewald_real_kernel(std::sqrt(r2), alpha, g2, dipoles);
        b.b0 -= shift(g2);  // charge-charge term goes to zero at the cutoff
        const double w = local ? ke : 0.5 * ke;
        Vec3 f;  // dE/dr_j of this pair
        if (dipoles) {
          const PairTerms t = dipole_pair(b, r, qi, sites.q(j), mi, sites.mu(j));
          my.energy += w * t.u;
          potential_i += ke * t.dqi;
          field_i -= ke * t.dmui;
          if (local) {
            my.potential[j] += ke * t.dqj;
            my.field[j] -= ke * t.dmuj;
          }
          f = w * t.dr;
        } else {  // charge_pair written out: the terms it returns are scalars times r
          const double qj = sites.q(j);
          my.energy += w * (qi * qj * b.b0);
          potential_i += ke * (qj * b.b0);
          field_i -= (ke * (qj * b.b1)) * r;
          if (local) {
            my.potential[j] += ke * (qi * b.b0);
            my.field[j] += (ke * (qi * b.b1)) * r;
          }
          f = (-w * (qi * qj * b.b1)) * r;
        }
        force_i += f;
        my.forces[j] -= f;
        my.strain += r * f.transpose();  // d r_a / d strain_ab = r_a
      }
      my.potential[i] += potential_i;
      my.field[i] += field_i;
      my.forces[i] += force_i;
    }
  }
  reduce(sums, out);
}

void direct_sum(const CoulombSites& sites, ElectrostaticsResult& out) {
  const std::size_t n = sites.size;
  const bool dipoles = sites.dipoles != nullptr;
  const double ke = units::coulomb;
  std::vector<ThreadSums> sums(max_threads());
  // Both orders of every pair with weight 1/2: each site's force, potential and field are
  // then written by one thread only.
#pragma omp parallel
  {
    ThreadSums& my = sums[thread_id()];
#pragma omp for schedule(static)
    for (std::size_t i = 0; i < n; ++i) {
      const double qi = sites.q(i);
      const Vec3 mi = sites.mu(i);
      Vec3 force = Vec3::Zero();
      for (std::size_t j = 0; j < n; ++j) {
        if (j == i) continue;
        const Vec3 r = sites.positions[j] - sites.positions[i];
        if (r.squaredNorm() < kCoincidentSites * kCoincidentSites) {
          my.coincident.see(i, j, r.squaredNorm());
          continue;
        }
        const Radial b = gaussian_kernel(r.norm(), sites.s2(i) + sites.s2(j), dipoles);
        const PairTerms t = dipoles ? dipole_pair(b, r, qi, sites.q(j), mi, sites.mu(j))
                                    : charge_pair(b, r, qi, sites.q(j));
        my.energy += 0.5 * ke * t.u;
        out.potential[i] += ke * t.dqi;
        out.field[i] -= ke * t.dmui;
        force += ke * t.dr;  // this pair and its mirror (j, i) pull on i alike
        my.strain += r * ((0.5 * ke) * t.dr).transpose();
      }
      out.forces[i] += force;
    }
  }
  reduce(sums, out);
}

void self_energy(const CoulombSites& sites, double alpha, ElectrostaticsResult& out,
                 std::size_t offset) {
  const double ke = units::coulomb, sqrt_pi = std::sqrt(kPi);
  const double cq = alpha / sqrt_pi, cm = 2.0 * alpha * alpha * alpha / (3.0 * sqrt_pi);
  double sum_q2 = 0, sum_mu2 = 0;
  for (std::size_t i = 0; i < sites.size; ++i) {
    const double q = sites.q(i);
    const Vec3 mu = sites.mu(i);
    sum_q2 += q * q;
    sum_mu2 += mu.squaredNorm();
    out.potential[offset + i] -= ke * 2.0 * cq * q;
    out.field[offset + i] += ke * 2.0 * cm * mu;
  }
  out.energy -= ke * (cq * sum_q2 + cm * sum_mu2);
}

}  // namespace lnet::infer
