#include "lnet/core/neighbor_list.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <thread>

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
  Mat3 w;  // working cell rows
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
  // A cell far smaller than the cutoff would mean scanning billions of images: refuse clearly.
  double scanned = 1.0;
  for (int k = 0; k < 3; ++k) scanned *= 2.0 * g.reach[k] + 1.0;
  if (scanned > 1e8)
    throw Error("neighbor list: cutoff " + std::to_string(cutoff) + " Å needs about " +
                std::to_string(scanned) +
                " bins per atom; the periodic cell is far too small for it");
  return g;
}

int bin_along(const Grid& g, int k, double s) {
  if (g.extent[k] <= 0) return 0;
  int b = int(std::floor((s - g.origin[k]) / g.extent[k] * g.nbins[k]));
  return std::clamp(b, 0, g.nbins[k] - 1);
}

// Atoms sorted by bin (counting sort). Per-slot copies of the wrapped positions and offsets
// keep the inner distance loop on contiguous memory.
struct Bins {
  std::vector<int> start;                    // bin b holds slots start[b] .. start[b+1]
  std::vector<int> atom;                     // atom index per slot (increasing within a bin)
  std::vector<Vec3> slot_pos;                // wrapped position per slot
  std::vector<std::array<int, 3>> slot_off;  // offset per slot
  std::vector<Vec3> wrapped;                 // wrapped positions, indexed by atom
  std::vector<std::array<int, 3>> offset;    // floor of fractional coordinates (periodic axes)
  std::vector<std::array<int, 3>> cell_of;   // bin coordinates, indexed by atom
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
  bins.atom.resize(n);
  bins.slot_pos.resize(n);
  bins.slot_off.resize(n);
  std::vector<int> fill(bins.start.begin(), bins.start.end() - 1);
  for (std::size_t i = 0; i < n; ++i) {
    const int slot = fill[flat[i]]++;
    bins.atom[slot] = int(i);
    bins.slot_pos[slot] = bins.wrapped[i];
    bins.slot_off[slot] = bins.offset[i];
  }
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
};

// Sorts one atom's candidates by (j, shift): a radix-friendly sort of packed (j, index) keys,
// then a shift sort inside the rare runs of equal j (several images of one atom, small cells).
void sort_candidates(std::vector<Candidate>& found, std::vector<std::uint64_t>& keys,
                     std::vector<Candidate>& sorted) {
  keys.resize(found.size());
  for (std::size_t k = 0; k < found.size(); ++k)
    keys[k] = (std::uint64_t(found[k].j) << 32) | std::uint64_t(k);
  std::sort(keys.begin(), keys.end());
  sorted.resize(found.size());
  for (std::size_t k = 0; k < keys.size(); ++k) sorted[k] = found[keys[k] & 0xffffffffu];
  for (std::size_t a = 0; a < sorted.size();) {
    std::size_t b = a + 1;
    while (b < sorted.size() && sorted[b].j == sorted[a].j) ++b;
    if (b - a > 1)
      std::sort(sorted.begin() + a, sorted.begin() + b,
                [](const Candidate& x, const Candidate& y) { return x.shift < y.shift; });
    a = b;
  }
}

// Neighbours of the atoms in slots [begin, end), found in bin order (neighbouring atoms share
// bins, so the scanned positions stay in cache); placed in atom order by place_part().
struct Part {
  int begin = 0, end = 0;
  std::vector<std::size_t> slot_start;  // slot s's pairs: slot_start[s-begin] .. [s-begin+1]
  std::vector<int> second;
  std::vector<std::array<int, 3>> shifts;
};

void search_slots(const Grid& g, const Bins& bins, double cutoff,
                  const std::vector<bool>* receivers, Part& part) {
  const double cut2 = cutoff * cutoff;
  const Mat3 wt = g.w.transpose();
  std::array<std::vector<std::pair<int, int>>, 3> scan;
  std::vector<Candidate> found, sorted;
  std::vector<std::uint64_t> keys;
  part.slot_start.assign(1, 0);
  for (int slot = part.begin; slot < part.end; ++slot) {
    const int i = bins.atom[slot];
    if (receivers && !(*receivers)[i]) {
      part.slot_start.push_back(part.second.size());
      continue;
    }
    const auto& ci = bins.cell_of[i];
    for (int k = 0; k < 3; ++k) axis_scan(g, k, ci[k], scan[k]);
    const Vec3& ri = bins.wrapped[i];
    const auto& oi = bins.offset[i];
    found.clear();
    for (const auto& [ba, ia] : scan[0])
      for (const auto& [bb, ib] : scan[1])
        for (const auto& [bc, ic] : scan[2]) {
          const Vec3 delta = wt * Vec3(ia, ib, ic) - ri;  // r_ij = wrapped_j + image - wrapped_i
          const int flat = (ba * g.nbins[1] + bb) * g.nbins[2] + bc;
          const bool zero_image = ia == 0 && ib == 0 && ic == 0;
          for (int p = bins.start[flat]; p < bins.start[flat + 1]; ++p) {
            if ((bins.slot_pos[p] + delta).squaredNorm() >= cut2) continue;
            const int j = bins.atom[p];
            if (zero_image && j == i) continue;
            // Shift with respect to the unwrapped input positions (header): wrapping moved
            // atom a by -offset[a] cell rows.
            const auto& oj = bins.slot_off[p];
            found.push_back({j, {ia + oi[0] - oj[0], ib + oi[1] - oj[1], ic + oi[2] - oj[2]}});
          }
        }
    sort_candidates(found, keys, sorted);
    for (const Candidate& c : sorted) {
      part.second.push_back(c.j);
      part.shifts.push_back(c.shift);
    }
    part.slot_start.push_back(part.second.size());
  }
}

// Copies a part's per-atom blocks to their places in the atom-ordered list.
void place_part(const Bins& bins, const Part& part, const std::vector<std::size_t>& atom_start,
                NeighborList& out) {
  for (int slot = part.begin; slot < part.end; ++slot) {
    const int i = bins.atom[slot];
    const std::size_t from = part.slot_start[slot - part.begin];
    const std::size_t count = part.slot_start[slot - part.begin + 1] - from;
    const std::size_t to = atom_start[i];
    std::fill_n(out.first.begin() + to, count, i);
    std::copy_n(part.second.begin() + from, count, out.second.begin() + to);
    std::copy_n(part.shifts.begin() + from, count, out.shifts.begin() + to);
  }
}

// Runs f(t) for t = 0 .. n-1, on n threads (the calling thread does t = 0).
template <class F>
void run_parallel(int n, F f) {
  std::vector<std::thread> workers;
  for (int t = 1; t < n; ++t) workers.emplace_back(f, t);
  f(0);
  for (auto& worker : workers) worker.join();
}

}  // namespace

NeighborList build_neighbor_list(const std::vector<Vec3>& positions, const Mat3& cell,
                                 const std::array<bool, 3>& pbc, double cutoff,
                                 const std::vector<bool>* receivers) {
  if (!(cutoff > 0) || !std::isfinite(cutoff))
    throw Error("neighbor list: cutoff must be positive and finite, got " + std::to_string(cutoff));
  if (receivers && receivers->size() != positions.size())
    throw Error("neighbor list: the receiver mask must have one entry per atom");
  const Mat3 w = working_cell(cell, pbc);
  const Mat3 to_frac = w.inverse().transpose();  // r^T = s^T W  =>  s = W^{-T} r
  std::vector<Vec3> frac(positions.size());
  for (std::size_t i = 0; i < positions.size(); ++i) {
    if (!positions[i].allFinite())
      throw Error("neighbor list: position of atom " + std::to_string(i) + " is not finite");
    frac[i] = to_frac * positions[i];
    for (int k = 0; k < 3; ++k)  // image counters are int; 1e9 cells away is a corrupt input
      if (pbc[k] && std::abs(frac[i][k]) > 1e9)
        throw Error("neighbor list: atom " + std::to_string(i) + " is more than 1e9 cells away");
  }
  Grid g = make_grid(frac, w, pbc, cutoff);
  const Bins bins = fill_bins(g, frac);

  // Slots split over two threads (the target machines have few cores); each thread then
  // copies its atoms' blocks into the atom-ordered output.
  const int n = int(positions.size());
  const int nthreads = n >= 2000 ? 2 : 1;
  std::vector<Part> parts(nthreads);
  for (int t = 0; t < nthreads; ++t) {
    parts[t].begin = int(std::int64_t(n) * t / nthreads);
    parts[t].end = int(std::int64_t(n) * (t + 1) / nthreads);
  }
  run_parallel(nthreads, [&](int t) { search_slots(g, bins, cutoff, receivers, parts[t]); });
  std::vector<std::size_t> atom_start(n + 1, 0);
  for (const Part& part : parts)
    for (int slot = part.begin; slot < part.end; ++slot)
      atom_start[bins.atom[slot] + 1] =
          part.slot_start[slot - part.begin + 1] - part.slot_start[slot - part.begin];
  for (int i = 0; i < n; ++i) atom_start[i + 1] += atom_start[i];
  NeighborList out;
  out.first.resize(atom_start[n]);
  out.second.resize(atom_start[n]);
  out.shifts.resize(atom_start[n]);
  run_parallel(nthreads, [&](int t) {
    place_part(bins, parts[t], atom_start, out);
    parts[t] = Part();  // free early: the peak is one part plus the output
  });
  return out;
}

}  // namespace lnet
