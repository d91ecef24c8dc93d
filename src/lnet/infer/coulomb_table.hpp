// Tabulated Ewald real-space kernel of Gaussian charges and dipoles (DESIGN.md §1.5): the pair
// sum's erfc and exp (two of each per pair with Gaussian widths) replaced by a table lookup, as
// LAMMPS's coul/long table mode, but accurate to rounding rather than to ~1e-6.
//
// The kernel B_0 = erfc(alpha r)/r - erfc(r/(sqrt2 g))/r and B_{l+1} = -(1/r) dB_l/dr are
// functions of s = r^2 with dB_l/ds = -B_{l+1}/2, so a node s_n holding B_0 .. B_{L+K} gives
// the Taylor expansion of every B_l (l <= L) to order K about it. Nodes are uniform in s (no
// square root or division to find one); a pair uses the nearest node, |s - s_n| <= h/2.
// One table per pair width g^2 = s_i^2 + s_j^2 (widths come per species: a few tables).
//
// Stated error: |B_l(table) - B_l(exact)| <= kTableError * (2l-1)!! / r^(2l+1), i.e. relative to
// the bare Coulomb term of the same order at that distance (for forces: relative to the force
// of two unit charges at r), for kTableMinDistance <= r <= cutoff. Each table checks this at
// the midpoints between its nodes, where the truncation error of the nearest-node expansion is
// largest, halving its spacing until it holds; a width that would need more than
// kTableMaxNodes is not tabulated (the exact kernel is used). Closer pairs use the exact kernel.
#pragma once
#include <cstddef>
#include <memory>
#include <vector>

#include "lnet/infer/coulomb_pair.hpp"

namespace lnet::infer::coulomb_detail {

inline constexpr double kTableError = 1e-12;
inline constexpr double kTableMinDistance = 0.5;  // Å: below, the exact kernel
inline constexpr std::size_t kTableMaxNodes = std::size_t(1) << 16;
inline constexpr int kTableOrder = 8;  // Taylor order K

// B_0 .. B_m of erfc(alpha r)/r - erfc(r/(sqrt2 g))/r at r (the recursion of erfc_radial
// continued to order m; g2 = 0: no Gaussian tail). `out` holds m + 1 values.
void ewald_real_series(double r, double alpha, double g2, int m, double* out);

class RealKernelTable {
 public:
  // B_0, B_1 (charges) or B_0 .. B_3 (dipoles) on [kTableMinDistance, cutoff]. !usable() when
  // the stated error would need more than kTableMaxNodes nodes or the range is empty.
  RealKernelTable(double alpha, double g2, double cutoff, bool dipoles);

  bool usable() const { return !values_.empty(); }
  // The largest error seen at the midpoints, in the units of the stated error.
  double checked_error() const { return checked_error_; }
  std::size_t nodes() const { return nodes_; }
  // s = r^2 within the table: s >= s_min() and r <= cutoff.
  double s_min() const { return s_min_; }

  Radial operator()(double s) const {
    const std::size_t n = static_cast<std::size_t>((s - s_min_) * inv_h_ + 0.5);
    const double* v = values_.data() + n * stride_;
    const double d = s - (s_min_ + double(n) * h_);
    // sum_k v_{l+k} d^k / k!, v_m = (-1/2)^m B_m(s_n) (stored so), times (-2)^l. The powers
    // and the sum as trees rather than Horner's chain: its 8 dependent multiply-adds were the
    // latency of the whole pair loop.
    static_assert(kTableOrder == 8, "the sums below are written out for order 8");
    const double d2 = d * d, d4 = d2 * d2;
    const double e[kTableOrder + 1] = {1.0,
                                       d,
                                       d2 * kInverseFactorial[2],
                                       d2 * d * kInverseFactorial[3],
                                       d4 * kInverseFactorial[4],
                                       d4 * d * kInverseFactorial[5],
                                       d4 * d2 * kInverseFactorial[6],
                                       d4 * d2 * d * kInverseFactorial[7],
                                       d4 * d4 * kInverseFactorial[8]};
    auto taylor = [&](int l) {
      const double* c = v + l;
      return ((c[0] + c[1] * e[1]) + (c[2] * e[2] + c[3] * e[3])) +
             ((c[4] * e[4] + c[5] * e[5]) + (c[6] * e[6] + c[7] * e[7])) + c[8] * e[8];
    };
    Radial b;
    b.b0 = taylor(0);
    b.b1 = -2.0 * taylor(1);
    if (dipoles_) {
      b.b2 = 4.0 * taylor(2);
      b.b3 = -8.0 * taylor(3);
    }
    return b;
  }

 private:
  static constexpr double kInverseFactorial[kTableOrder + 1] = {
      1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320};
  bool build(double alpha, double g2, double cutoff, double h);

  bool dipoles_;
  int stride_;  // values per node: L + K + 1
  double s_min_ = 0, h_ = 0, inv_h_ = 0, checked_error_ = 0;
  std::size_t nodes_ = 0;
  std::vector<double> values_;
};

// The table for (alpha, g2, cutoff, dipoles), built on first use and kept in a process-wide
// cache (thread-safe): successive calls and MD steps share it.
std::shared_ptr<const RealKernelTable> real_kernel_table(double alpha, double g2, double cutoff,
                                                         bool dipoles);

}  // namespace lnet::infer::coulomb_detail
