// Selection: the spread window, most uncertain first, the cap, and de-duplication by the
// distance fingerprint (permuted and translated copies are the same frame).
#include <gtest/gtest.h>

#include <random>

#include "learn/learn_fixtures.hpp"
#include "lnet/learn/select.hpp"

namespace lnet {
namespace {

std::vector<Structure> distinct_frames(int n) {
  std::mt19937_64 rng(5);
  std::vector<Structure> out;
  for (int k = 0; k < n; ++k) out.push_back(testing::rocksalt_frame(5.2, 0.1, rng));
  return out;
}

TEST(Select, KeepsSpreadsInsideTheWindowMostUncertainFirst) {
  const std::vector<Structure> frames = distinct_frames(5);
  SelectConfig c;
  c.lower = 0.05;
  c.upper = 0.5;
  c.max_frames = 10;
  const std::vector<std::size_t> got = select_frames(frames, {0.01, 0.1, 0.3, 0.7, 0.05}, c);
  // 0.01 below (known), 0.7 above (unphysical); 0.05 is at the lower bound, which counts.
  EXPECT_EQ(got, (std::vector<std::size_t>{2, 1, 4}));
  c.max_frames = 2;
  EXPECT_EQ(select_frames(frames, {0.01, 0.1, 0.3, 0.7, 0.05}, c),
            (std::vector<std::size_t>{2, 1}));
}

TEST(Select, PermutedTranslatedCopyIsADuplicate) {
  std::vector<Structure> frames = distinct_frames(2);
  Structure copy = frames[0];
  std::swap(copy.positions[0], copy.positions[1]);  // two Na atoms
  for (Vec3& r : copy.positions) r += Vec3(0.3, -1.1, 7.0);
  frames.push_back(copy);
  // Fingerprint distances are sums of rounding errors for the copy (1e-12 is far below it and
  // far above rounding), but of the order of the 0.1 Å displacements for a distinct frame.
  const double same = fingerprint_distance(fingerprint(frames[0], 5.0), fingerprint(copy, 5.0));
  const double other =
      fingerprint_distance(fingerprint(frames[0], 5.0), fingerprint(frames[1], 5.0));
  EXPECT_LT(same, 1e-10);
  EXPECT_GT(other, 0.02);
  SelectConfig c;
  c.lower = 0.0;
  c.upper = 1.0;
  c.min_distance = 0.01;
  // The copy is the most uncertain: it is chosen, and its original dropped as a duplicate.
  EXPECT_EQ(select_frames(frames, {0.2, 0.1, 0.3}, c), (std::vector<std::size_t>{2, 1}));
  // A frame already in the data (known) is never chosen again.
  EXPECT_EQ(select_frames(frames, {0.2, 0.1, 0.3}, c, {frames[1]}), (std::vector<std::size_t>{2}));
}

TEST(Select, DifferentCompositionIsNeverADuplicate) {
  std::vector<Structure> frames = distinct_frames(1);
  Structure other = frames[0];
  other.numbers[0] = 17;
  EXPECT_TRUE(
      std::isinf(fingerprint_distance(fingerprint(frames[0], 5.0), fingerprint(other, 5.0))));
}

}  // namespace
}  // namespace lnet
