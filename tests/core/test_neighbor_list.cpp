#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <tuple>

#include "common/time_limit.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/neighbor_list.hpp"

namespace lnet {
namespace {

using Pair = std::tuple<int, int, std::array<int, 3>>;

// Portable uniform numbers in [lo, hi) (std::uniform_real_distribution is implementation-defined).
struct Rng {
  std::mt19937 gen;
  explicit Rng(unsigned seed) : gen(seed) {}
  double operator()(double lo, double hi) { return lo + (hi - lo) * (gen() / 4294967296.0); }
};

double perpendicular_width(const Mat3& cell, int k) {
  const Vec3 cross = cell.row((k + 1) % 3).cross(cell.row((k + 2) % 3));
  return std::abs(cell.determinant()) / cross.norm();
}

// Brute force over all pairs and all images that can be within the cutoff: for each pair the
// image search is centred on the image nearest in fractional coordinates, and extends by
// ceil(cutoff / perpendicular width) + 1 layers, which covers every image closer than the cutoff.
// `rows` restricts i to a sample (all atoms when empty).
std::vector<Pair> brute_force(const std::vector<Vec3>& pos, const Mat3& cell,
                              const std::array<bool, 3>& pbc, double cutoff,
                              std::vector<int> rows = {}) {
  if (rows.empty())
    for (int i = 0; i < int(pos.size()); ++i) rows.push_back(i);
  std::array<int, 3> centre{}, reach{};
  Mat3 work = cell;  // open rows replaced so the fractional transform exists
  for (int k = 0; k < 3; ++k)
    if (!pbc[k]) {  // orthogonal unit vector to the periodic rows (tests use axis-aligned ones)
      work.row(k).setZero();
      work(k, k) = 1.0;
    }
  const Mat3 to_frac = work.inverse().transpose();
  for (int k = 0; k < 3; ++k)
    reach[k] = pbc[k] ? int(std::ceil(cutoff / perpendicular_width(work, k))) + 1 : 0;
  std::vector<Pair> out;
  for (int i : rows)
    for (int j = 0; j < int(pos.size()); ++j) {
      const Vec3 ds = to_frac * (pos[j] - pos[i]);
      for (int k = 0; k < 3; ++k) centre[k] = pbc[k] ? -int(std::lround(ds[k])) : 0;
      for (int a = centre[0] - reach[0]; a <= centre[0] + reach[0]; ++a)
        for (int b = centre[1] - reach[1]; b <= centre[1] + reach[1]; ++b)
          for (int c = centre[2] - reach[2]; c <= centre[2] + reach[2]; ++c) {
            if (i == j && a == 0 && b == 0 && c == 0) continue;
            const Vec3 r = pos[j] - pos[i] + cell.transpose() * Vec3(a, b, c);
            if (r.norm() < cutoff) out.emplace_back(i, j, std::array<int, 3>{a, b, c});
          }
    }
  std::sort(out.begin(), out.end());
  return out;
}

Vec3 pair_vector(const std::vector<Vec3>& pos, const Mat3& cell, int i, int j,
                 const std::array<int, 3>& s) {
  return pos[j] - pos[i] + cell.transpose() * Vec3(s[0], s[1], s[2]);
}

// The list equals brute force as a sequence (so also as a set and in the promised order), and
// every pair's distance is below the cutoff. Distances are recomputed from the same formula, so
// they agree exactly; random positions make a pair within 1e-12 of the cutoff (where wrapping
// round-off could flip it) vanishingly unlikely.
void expect_matches_brute_force(const std::vector<Vec3>& pos, const Mat3& cell,
                                const std::array<bool, 3>& pbc, double cutoff) {
  const NeighborList nl = build_neighbor_list(pos, cell, pbc, cutoff);
  ASSERT_EQ(nl.second.size(), nl.size());
  ASSERT_EQ(nl.shifts.size(), nl.size());
  std::vector<Pair> got;
  for (std::size_t k = 0; k < nl.size(); ++k) {
    got.emplace_back(nl.first[k], nl.second[k], nl.shifts[k]);
    EXPECT_LT(pair_vector(pos, cell, nl.first[k], nl.second[k], nl.shifts[k]).norm(), cutoff);
    for (int a = 0; a < 3; ++a) {
      if (!pbc[a]) {
        EXPECT_EQ(nl.shifts[k][a], 0);
      }
    }
  }
  const std::vector<Pair> want = brute_force(pos, cell, pbc, cutoff);
  ASSERT_GT(want.size(), 0u) << "test setup should produce pairs";
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "neighbour list differs from brute force";
}

Mat3 random_triclinic(Rng& rng, double length, double skew) {
  Mat3 cell;
  cell << length * rng(0.8, 1.2), 0, 0,                       //
      skew * length * rng(-1, 1), length * rng(0.8, 1.2), 0,  //
      skew * length * rng(-1, 1), skew * length * rng(-1, 1), length * rng(0.8, 1.2);
  return cell;
}

std::vector<Vec3> random_positions(Rng& rng, const Mat3& cell, int n, double lo, double hi) {
  std::vector<Vec3> pos(n);
  for (Vec3& r : pos) r = cell.transpose() * Vec3(rng(lo, hi), rng(lo, hi), rng(lo, hi));
  return pos;
}

TEST(NeighborList, TriclinicMatchesBruteForce) {
  Rng rng(7);
  for (int trial = 0; trial < 6; ++trial) {
    const Mat3 cell = random_triclinic(rng, 6.0, trial < 3 ? 0.3 : 0.9);
    const auto pos = random_positions(rng, cell, 20, 0.0, 1.0);
    SCOPED_TRACE("trial " + std::to_string(trial));
    expect_matches_brute_force(pos, cell, {true, true, true}, 3.5);
  }
}

TEST(NeighborList, CellSmallerThanCutoffHasManyImages) {
  Rng rng(11);
  for (int trial = 0; trial < 4; ++trial) {
    const Mat3 cell = random_triclinic(rng, 2.5, 0.6);
    const auto pos = random_positions(rng, cell, 3, 0.0, 1.0);
    double min_width = 1e9;
    for (int k = 0; k < 3; ++k) min_width = std::min(min_width, perpendicular_width(cell, k));
    const double cutoff = 6.0;
    ASSERT_LT(min_width * 2, cutoff) << "several image layers are needed";
    SCOPED_TRACE("trial " + std::to_string(trial));
    expect_matches_brute_force(pos, cell, {true, true, true}, cutoff);
  }
}

TEST(NeighborList, OwnImagesOfOneAtom) {
  // Simple cubic a = 2: 6 images at 2 Å, 12 at 2.83 Å; cutoff 2.5 keeps exactly the first shell.
  const Mat3 cell = Mat3::Identity() * 2.0;
  const NeighborList nl =
      build_neighbor_list({Vec3(0.3, 0.1, -0.2)}, cell, {true, true, true}, 2.5);
  ASSERT_EQ(nl.size(), 6u);
  for (std::size_t k = 0; k < nl.size(); ++k) {
    EXPECT_EQ(nl.first[k], 0);
    EXPECT_EQ(nl.second[k], 0);
    const auto& s = nl.shifts[k];
    EXPECT_EQ(std::abs(s[0]) + std::abs(s[1]) + std::abs(s[2]), 1);
  }
}

TEST(NeighborList, UnwrappedPositionsFarOutside) {
  Rng rng(3);
  const Mat3 cell = random_triclinic(rng, 5.0, 0.5);
  const auto pos = random_positions(rng, cell, 16, -30.0, 30.0);
  expect_matches_brute_force(pos, cell, {true, true, true}, 4.0);
}

TEST(NeighborList, OpenBoundaries) {
  Rng rng(5);
  const Mat3 cell = Mat3::Identity() * 6.0;
  const auto pos = random_positions(rng, cell, 40, -0.5, 0.5);
  expect_matches_brute_force(pos, Mat3::Zero(), {false, false, false}, 3.0);
  // The cell is ignored on open axes: a garbage cell gives the same list.
  const NeighborList a = build_neighbor_list(pos, Mat3::Zero(), {false, false, false}, 3.0);
  const NeighborList b = build_neighbor_list(pos, cell, {false, false, false}, 3.0);
  EXPECT_EQ(a.first, b.first);
  EXPECT_EQ(a.second, b.second);
}

// A receiver mask keeps exactly the full list's pairs of those atoms, in the same order.
TEST(NeighborList, ReceiverMaskKeepsThosePairs) {
  Rng rng(6);
  const Mat3 cell = random_triclinic(rng, 7.0, 0.3);
  const auto pos = random_positions(rng, cell, 30, 0.0, 1.0);
  std::vector<bool> mask(pos.size());
  for (std::size_t i = 0; i < pos.size(); ++i) mask[i] = i % 3 == 1;
  const NeighborList all = build_neighbor_list(pos, cell, {true, true, true}, 3.5);
  const NeighborList some = build_neighbor_list(pos, cell, {true, true, true}, 3.5, &mask);
  std::vector<Pair> expected, got;
  for (std::size_t k = 0; k < all.size(); ++k)
    if (mask[all.first[k]]) expected.emplace_back(all.first[k], all.second[k], all.shifts[k]);
  for (std::size_t k = 0; k < some.size(); ++k)
    got.emplace_back(some.first[k], some.second[k], some.shifts[k]);
  EXPECT_FALSE(expected.empty());
  EXPECT_EQ(got, expected);
  std::vector<bool> short_mask(3, true);
  EXPECT_THROW(build_neighbor_list(pos, cell, {true, true, true}, 3.5, &short_mask), Error);
}

TEST(NeighborList, MixedBoundaries) {
  Rng rng(9);
  Mat3 cell;
  cell << 4.0, 0.0, 0.0, 1.3, 3.5, 0.0, 0.0, 0.0, 0.0;  // c row zero: the open axis
  std::vector<Vec3> pos(25);
  for (Vec3& r : pos) r = Vec3(rng(-2, 8), rng(-3, 6), rng(-4, 4));
  expect_matches_brute_force(pos, cell, {true, true, false}, 3.2);  // slab, width 3.5 < 2*cutoff

  Mat3 wire = Mat3::Zero();
  wire(0, 0) = 2.2;  // a wire along x, shorter than the cutoff
  expect_matches_brute_force(pos, wire, {true, false, false}, 3.2);

  Mat3 middle = Mat3::Zero();
  middle.row(1) = Vec3(0.0, 3.0, 0.0);
  expect_matches_brute_force(pos, middle, {false, true, false}, 2.7);
}

TEST(NeighborList, FlatOpenGeometry) {
  // All atoms in the plane z = 1: zero extent along an open axis must not break binning.
  std::vector<Vec3> pos;
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 5; ++j) pos.emplace_back(1.1 * i, 0.9 * j + 0.1 * i, 1.0);
  expect_matches_brute_force(pos, Mat3::Zero(), {false, false, false}, 2.0);
}

TEST(NeighborList, EmptyAndSingleOpenAtom) {
  EXPECT_EQ(build_neighbor_list({}, Mat3::Identity(), {true, true, true}, 3.0).size(), 0u);
  EXPECT_EQ(build_neighbor_list({Vec3(1, 2, 3)}, Mat3::Zero(), {false, false, false}, 3.0).size(),
            0u);
}

TEST(NeighborList, RejectsBadInput) {
  const std::vector<Vec3> pos = {Vec3(0, 0, 0), Vec3(1, 0, 0)};
  const Mat3 cube = Mat3::Identity() * 3.0;
  EXPECT_THROW(build_neighbor_list(pos, cube, {true, true, true}, 0.0), Error);
  EXPECT_THROW(build_neighbor_list(pos, cube, {true, true, true}, -1.0), Error);
  EXPECT_THROW(build_neighbor_list(pos, cube, {true, true, true}, NAN), Error);
  Mat3 singular = cube;
  singular.row(2) = singular.row(0) + singular.row(1);
  EXPECT_THROW(build_neighbor_list(pos, singular, {true, true, true}, 2.0), Error);
  EXPECT_THROW(build_neighbor_list(pos, Mat3::Zero(), {true, false, false}, 2.0), Error);
  // The same singular cell is fine when its dependent row is on an open axis.
  // Pairs within 2.5 along x (period 3): 0->1 at +1 and -2, 1->0 at -1 and +2.
  EXPECT_EQ(build_neighbor_list(pos, singular, {true, true, false}, 2.5).size(), 4u);
  // 1e-3 Å cell, 10 Å cutoff: 1e4 images per axis, 8e12 in all; refused instead of hanging.
  EXPECT_THROW(build_neighbor_list(pos, Mat3::Identity() * 1e-3, {true, true, true}, 10.0), Error);
  const std::vector<Vec3> bad = {Vec3(0, 0, NAN)};
  EXPECT_THROW(build_neighbor_list(bad, cube, {true, true, true}, 2.0), Error);
}

// Above 2000 atoms the search runs on two threads and reassembles the list in atom order; check
// that path on a sample of atoms from both halves, and the global sort order and symmetry.
TEST(NeighborList, ThreadedPathMatchesBruteForceOnSample) {
  Rng rng(21);
  const Mat3 cell = random_triclinic(rng, 30.0, 0.4);
  const auto pos = random_positions(rng, cell, 3000, -1.0, 2.0);
  const double cutoff = 4.0;
  const NeighborList nl = build_neighbor_list(pos, cell, {true, true, true}, cutoff);
  std::vector<Pair> all;
  for (std::size_t k = 0; k < nl.size(); ++k)
    all.emplace_back(nl.first[k], nl.second[k], nl.shifts[k]);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  for (const auto& [i, j, s] : all) {  // every pair has its reverse
    const Pair reverse{j, i, {-s[0], -s[1], -s[2]}};
    ASSERT_TRUE(std::binary_search(all.begin(), all.end(), reverse));
  }
  std::vector<int> sample;
  for (int i = 0; i < 3000; i += 97) sample.push_back(i);
  std::vector<Pair> got;
  for (const Pair& p : all)
    if (std::binary_search(sample.begin(), sample.end(), std::get<0>(p))) got.push_back(p);
  const auto want = brute_force(pos, cell, {true, true, true}, cutoff, sample);
  EXPECT_GT(want.size(), sample.size() * 10);
  EXPECT_TRUE(got == want);
}

// O(N): a dilute gas of 2e5 atoms (about one neighbour each) must finish in well under a second;
// an N^2 loop would need 4e10 distance checks (tens of seconds). Limit 3 s leaves room for slow CI.
TEST(NeighborList, LargeDiluteSystemIsLinear) {
  Rng rng(13);
  const int n = 200000;
  const double length = std::cbrt(n / 0.01);  // density 0.01 / Å^3
  const Mat3 cell = Mat3::Identity() * length;
  const auto pos = random_positions(rng, cell, n, 0.0, 1.0);
  const auto t0 = std::chrono::steady_clock::now();
  const NeighborList nl = build_neighbor_list(pos, cell, {true, true, true}, 3.0);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // Expected pairs: n * density * 4/3 pi rc^3 = 2e5 * 1.13 = 2.3e5, within 5% (Poisson noise).
  EXPECT_NEAR(double(nl.size()) / (n * 0.01 * 4.0 / 3.0 * M_PI * 27.0), 1.0, 0.05);
  EXPECT_LT(seconds, testing::time_limit(3.0));
}

// 10^4 atoms at liquid density (0.1 / Å^3) with an Ewald-like cutoff of 8 Å: ~2e6 pairs.
TEST(NeighborList, DenseTenThousandAtoms) {
  Rng rng(17);
  const int n = 10000;
  const double length = std::cbrt(n / 0.1);
  const Mat3 cell = Mat3::Identity() * length;
  const auto pos = random_positions(rng, cell, n, 0.0, 1.0);
  const auto t0 = std::chrono::steady_clock::now();
  const NeighborList nl = build_neighbor_list(pos, cell, {true, true, true}, 8.0);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_NEAR(double(nl.size()) / (n * 0.1 * 4.0 / 3.0 * M_PI * 512.0), 1.0, 0.02);
  EXPECT_LT(seconds, testing::time_limit(3.0));
  RecordProperty("seconds", std::to_string(seconds));
}

}  // namespace
}  // namespace lnet
