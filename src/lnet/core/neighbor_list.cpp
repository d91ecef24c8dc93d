#include "lnet/core/neighbor_list.hpp"

#include <algorithm>
#include <cmath>
#include <thread>
#include <tuple>

#include "lnet/core/error.hpp"

namespace lnet {
namespace {

// Bins per cutoff along each axis: bins of width cutoff/2 scan 5^3 bins of volume (c/2)^3
// (15.6 c^3) instead of 3^3 bins of volume c^3 (27 c^3), i.e. ~40% fewer distance checks.
constexpr double kBinsPerCutoff = 2.0;
// Relative tolerance for a singular periodic cell (volume or area vs product of lengths).
constexpr double kSingularTol = 1e-10;

// The cell used for binning: periodic rows as given; open rows replaced by unit vectors
// orthogonal to the periodic rows and to each other, so that the fractional coordinate along an
// open axis is a Cartesian length and the user's (possibly zero) open rows never matter.
Mat3 working_cell(const Mat3& cell, const std::array<bool, 3>& pbc) {
  std::vector<Vec3> periodic;
  for (int k = 0; k < 3; ++k) {
    if (!pbc[k]) continue;
    Vec3 row = cell.row(k).transpose();
    if (!row.allFinite() || row.norm() == 0.0)
      throw Error("neighbor list: periodic cell vector " + std::to_string(k) + " is zero");
    periodic.push_back(row);
  }
  // Orthonormal complement of the periodic rows, by Gram-Schmidt on them plus x, y, z.
  std::vector<Vec3> basis;
  for (const Vec3& p : periodic) {
    Vec3 v = p;
    for (const Vec3& b : basis) v -= v.dot(b) * b;
    if (v.norm() <= kSingularTol * p.norm())
      throw Error("neighbor list: singular periodic cell (linearly dependent lattice vectors)");
    basis.push_back(v.normalized());
  }
  std::vector<Vec3> open;
  while (basis.size() < 3) {  // the Cartesian axis least spanned so far, orthogonalised
    Vec3 best = Vec3::Zero();
    for (int e = 0; e < 3; ++e) {
      Vec3 v = Vec3::Unit(e);
      for (const Vec3& b : basis) v -= v.dot(b) * b;
      if (v.norm() > best.norm()) best = v;
    }
    basis.push_back(best.normalized());
    open.push_back(basis.back());
  }
  Mat3 w;
  std::size_t ip = 0, io = 0;
  for (int k = 0; k < 3; ++k) w.row(k) = (pbc[k] ? periodic[ip++] : open[io++]).transpose();
  return w;
}

// Binning geometry. Bin b along axis k covers fractional coordinates
// origin[k] + extent[k] * [b, b+1) / nbins[k]; a pair closer than the cutoff differs by at most
// reach[k] bins because |Δs_k| <= |r_ij| / h_k with h_k the perpendicular width of the cell.
struct Grid {
  Mat3 frac;  // s = frac * r (fractional coordinates in the working cell)
  Mat3 w;     // working cell rows
  std::array<bool, 3> pbc{};
  std::array<double, 3> origin{}, extent{};
  std::array<int, 3> nbins{}, reach{};
  std::size_t total() const { return std::size_t(nbins[0]) * nbins[1] * nbins[2]; }
};

// Number of bins along each axis and how many neighbouring bins to scan. The total number of bins
// is capped near the number of atoms so a sparse open cluster does not allocate a huge grid.
void choose_bins(Grid& g, const std::array<double, 3>& width, double cutoff, std::size_t natoms) {
  const double max_bins = 4.0 * double(natoms) + 27.0;
  double scale = kBinsPerCutoff;
  for (int attempt = 0; attempt < 64; ++attempt) {
    double total = 1.0;
    for (int k = 0; k < 3; ++k) {
      // (1 + 1e-9) keeps cutoff * nbins / width safely below an integer reach.
      double n = std::floor(width[k] * scale / (cutoff * (1.0 + 1e-9)));
      g.nbins[k] = int(std::clamp(n, 1.0, 1e6));
      total *= g.nbins[k];
    }
    if (total <= max_bins) break;
    scale *= 0.7;
  }
  for (int k = 0; k < 3; ++k) {
    double r = width[k] > 0 ? std::ceil(cutoff * g.nbins[k] / width[k] * (1.0 + 1e-12)) : 0.0;
    // Open axes: no point looking past the grid. Periodic: r may exceed nbins (many images).
    if (!g.pbc[k]) r = std::min(r, double(g.nbins[k] - 1));
    g.reach[k] = int(std::min(r, 1e6));
  }
}

Grid make_grid(const std::vector<Vec3>& frac, const Mat3& w, const std::array<bool, 3>& pbc,
               double cutoff) {
  Grid g;
  g.w = w;
  g.pbc = pbc;
  const double volume = std::abs(w.determinant());
  std::array<double, 3> width{};  // perpendicular width of the binned region along each axis
  for (int k = 0; k < 3; ++k) {
    double lo = 0.0, hi = 1.0;
    if (!pbc[k]) {
      lo = hi = frac.empty() ? 0.0 : frac[0][k];
      for (const Vec3& s : frac) lo = std::min(lo, s[k]), hi = std::max(hi, s[k]);
    }
    g.origin[k] = lo;
    g.extent[k] = hi - lo;
    const Vec3 cross = w.row((k + 1) % 3).cross(w.row((k + 2) % 3));
    width[k] = volume / cross.norm() * g.extent[k];
  }
  choose_bins(g, width, cutoff, frac.size());
  return g;
}

int bin_along(const Grid& g, int k, double s) {
  if (g.extent[k] <= 0) return 0;
  int b = int(std::floor((s - g.origin[k]) / g.extent[k] * g.nbins[k]));
  return std::clamp(b, 0, g.nbins[k] - 1);
}

// Atoms sorted by bin (counting sort), with wrapped Cartesian positions.
struct Bins {
  std::vector<int> start;                   // bin b holds order[start[b] .. start[b+1])
  std::vector<int> order;                   // atom indices
  std::vector<Vec3> wrapped;                // wrapped positions, indexed by atom
  std::vector<std::array<int, 3>> offset;   // floor of fractional coordinates (periodic axes)
  std::vector<std::array<int, 3>> cell_of;  // bin coordinates, indexed by atom
};

Bins fill_bins(const Grid& g, std::vector<Vec3>& frac) {
  const std::size_t n = frac.size();
  Bins bins;
  bins.wrapped.resize(n);
  bins.offset.resize(n);
  bins.cell_of.resize(n);
  std::vector<int> flat(n);
  bins.start.assign(g.total() + 1, 0);
  for (std::size_t i = 0; i < n; ++i) {
    Vec3& s = frac[i];
    for (int k = 0; k < 3; ++k) {
      int o = 0;
      if (g.pbc[k]) {
        o = int(std::floor(s[k]));
        s[k] -= o;
      }
      bins.offset[i][k] = o;
      bins.cell_of[i][k] = bin_along(g, k, s[k]);
    }
    bins.wrapped[i] = g.w.transpose() * s;
    const auto& c = bins.cell_of[i];
    flat[i] = (c[0] * g.nbins[1] + c[1]) * g.nbins[2] + c[2];
    ++bins.start[flat[i] + 1];
  }
  for (std::size_t b = 0; b < g.total(); ++b) bins.start[b + 1] += bins.start[b];
  bins.order.resize(n);
  std::vector<int> fill(bins.start.begin(), bins.start.end() - 1);
  for (std::size_t i = 0; i < n; ++i) bins.order[fill[flat[i]]++] = int(i);
  return bins;
}

// Bins to scan along one axis from bin `b`: (bin index, image count). Periodic axes walk
// b - reach .. b + reach, wrapping into [0, nbins) and counting images; open axes clip.
void axis_scan(const Grid& g, int k, int b, std::vector<std::pair<int, int>>& out) {
  out.clear();
  for (int d = -g.reach[k]; d <= g.reach[k]; ++d) {
    int t = b + d;
    if (g.pbc[k]) {
      const int n = g.nbins[k];
      const int image = (t >= 0) ? t / n : -((-t + n - 1) / n);
      out.emplace_back(t - image * n, image);
    } else if (t >= 0 && t < g.nbins[k]) {
      out.emplace_back(t, 0);
    }
  }
}

struct Candidate {
  int j;
  std::array<int, 3> shift;
  bool operator<(const Candidate& o) const { return std::tie(j, shift) < std::tie(o.j, o.shift); }
};

// Neighbours of atoms [begin, end) appended to `out` in sorted order.
void search_range(const Grid& g, const Bins& bins, double cutoff, int begin, int end,
                  NeighborList& out) {
  const double cut2 = cutoff * cutoff;
  std::array<std::vector<std::pair<int, int>>, 3> scan;
  std::vector<Candidate> found;
  for (int i = begin; i < end; ++i) {
    const auto& ci = bins.cell_of[i];
    for (int k = 0; k < 3; ++k) axis_scan(g, k, ci[k], scan[k]);
    const Vec3& ri = bins.wrapped[i];
    found.clear();
    for (const auto& [ba, ia] : scan[0])
      for (const auto& [bb, ib] : scan[1])
        for (const auto& [bc, ic] : scan[2]) {
          const Vec3 image = g.w.transpose() * Vec3(ia, ib, ic);
          const Vec3 delta = image - ri;  // r_ij = wrapped_j + image - wrapped_i
          const int flat = (ba * g.nbins[1] + bb) * g.nbins[2] + bc;
          const bool zero_image = ia == 0 && ib == 0 && ic == 0;
          for (int p = bins.start[flat]; p < bins.start[flat + 1]; ++p) {
            const int j = bins.order[p];
            if (zero_image && j == i) continue;
            if ((bins.wrapped[j] + delta).squaredNorm() >= cut2) continue;
            // Shift with respect to the unwrapped input positions (header): wrapping moved
            // atom a by -offset[a] cell rows.
            const auto& oi = bins.offset[i];
            const auto& oj = bins.offset[j];
            found.push_back({j, {ia + oi[0] - oj[0], ib + oi[1] - oj[1], ic + oi[2] - oj[2]}});
          }
        }
    std::sort(found.begin(), found.end());
    for (const Candidate& c : found) {
      out.first.push_back(i);
      out.second.push_back(c.j);
      out.shifts.push_back(c.shift);
    }
  }
}

}  // namespace

NeighborList build_neighbor_list(const std::vector<Vec3>& positions, const Mat3& cell,
                                 const std::array<bool, 3>& pbc, double cutoff) {
  if (!(cutoff > 0) || !std::isfinite(cutoff))
    throw Error("neighbor list: cutoff must be positive and finite, got " + std::to_string(cutoff));
  const Mat3 w = working_cell(cell, pbc);
  const Mat3 to_frac = w.inverse().transpose();  // r^T = s^T W  =>  s = W^{-T} r
  std::vector<Vec3> frac(positions.size());
  for (std::size_t i = 0; i < positions.size(); ++i) {
    if (!positions[i].allFinite())
      throw Error("neighbor list: position of atom " + std::to_string(i) + " is not finite");
    frac[i] = to_frac * positions[i];
  }
  Grid g = make_grid(frac, w, pbc, cutoff);
  const Bins bins = fill_bins(g, frac);

  // Two halves of the atoms on two threads (the target machines have few cores); each half is
  // already in (first, second, shift) order, so concatenation keeps the global order.
  const int n = int(positions.size());
  const int nthreads = n >= 2000 ? 2 : 1;
  std::vector<NeighborList> parts(nthreads);
  std::vector<std::thread> workers;
  for (int t = 1; t < nthreads; ++t)
    workers.emplace_back(search_range, std::cref(g), std::cref(bins), cutoff, n * t / nthreads,
                         n * (t + 1) / nthreads, std::ref(parts[t]));
  search_range(g, bins, cutoff, 0, n / nthreads, parts[0]);
  for (auto& worker : workers) worker.join();
  NeighborList out = std::move(parts[0]);
  for (int t = 1; t < nthreads; ++t) {
    out.first.insert(out.first.end(), parts[t].first.begin(), parts[t].first.end());
    out.second.insert(out.second.end(), parts[t].second.begin(), parts[t].second.end());
    out.shifts.insert(out.shifts.end(), parts[t].shifts.begin(), parts[t].shifts.end());
  }
  return out;
}

}  // namespace lnet
