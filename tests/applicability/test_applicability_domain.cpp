// The applicability domain: training frames lie inside it, compressed or novel
// structures outside with the atoms named, invariance under rotation and permutation, and a
// JSON round trip that changes no number.
#include <gtest/gtest.h>

#include <random>

#include "common/error_of.hpp"
#include "common/rocksalt.hpp"
#include "lnet/applicability/applicability_domain.hpp"
#include "lnet/core/error.hpp"

namespace lnet {
namespace {

using testing::rocksalt_fractions;
using testing::rocksalt_number;

// Rock salt with lattice constant a, atoms displaced by up to `jitter` Å (seeded).
Structure nacl(double a, double jitter, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  Structure s;
  s.cell = Mat3::Identity() * a;
  s.pbc = {true, true, true};
  for (int i = 0; i < 8; ++i) {
    s.numbers.push_back(rocksalt_number(i));
    s.positions.push_back(a * rocksalt_fractions()[i] + jitter * Vec3(u(rng), u(rng), u(rng)));
  }
  return s;
}

ApplicabilityDomain fitted(std::vector<Structure>& frames) {
  for (unsigned k = 0; k < 6; ++k) frames.push_back(nacl(5.64, 0.15, k));
  std::vector<const Structure*> ptr;
  for (const auto& f : frames) ptr.push_back(&f);
  return ApplicabilityDomain::fit(ptr, {11, 17}, 5.0);
}

TEST(ApplicabilityDomain, TrainingFramesLieInside) {
  std::vector<Structure> frames;
  const ApplicabilityDomain dom = fitted(frames);
  double closest = 1e30;
  for (const auto& f : frames) {
    const ApplicabilityReport r = dom.assess(f);
    EXPECT_EQ(r.novelty, 0.0);
    EXPECT_GE(r.distance_ratio, 1.0);
    closest = std::min(closest, r.distance_ratio);
  }
  EXPECT_DOUBLE_EQ(closest, 1.0);  // the frame holding the shortest training contact
}

// A 20 % compression: every contact is shorter than in training (ratio near 0.9 x the shortest
// jittered one) and the neighbour histograms shift to shorter distances.
TEST(ApplicabilityDomain, CompressedCrystalIsOutsideAndNamed) {
  std::vector<Structure> frames;
  const ApplicabilityDomain dom = fitted(frames);
  const Structure s = nacl(5.64 * 0.8, 0.0, 99);
  const ApplicabilityReport r = dom.assess(s);
  EXPECT_LT(r.distance_ratio, 1.0);
  EXPECT_GT(r.novelty, 0.1);
  ASSERT_GE(r.close_pair[0], 0);
  const std::string text = r.describe(s);
  EXPECT_NE(text.find("novelty"), std::string::npos) << text;
  EXPECT_NE(text.find("x the training set's (atoms "), std::string::npos) << text;
  // A perfect crystal at the training lattice constant is inside: its contacts (2.82 Å) are
  // longer than the shortest jittered ones, and its histograms lie within the jittered ranges.
  EXPECT_GT(dom.assess(nacl(5.64, 0.0, 1)).distance_ratio, 1.0);
}

TEST(ApplicabilityDomain, InvariantUnderRotationAndPermutation) {
  std::vector<Structure> frames;
  const ApplicabilityDomain dom = fitted(frames);
  Structure s = nacl(5.5, 0.3, 42);
  const ApplicabilityReport a = dom.assess(s);
  Structure t = s;
  const Mat3 rot = Eigen::AngleAxisd(0.7, Vec3(1, 2, 3).normalized()).toRotationMatrix();
  t.cell = s.cell * rot.transpose();
  for (auto& p : t.positions) p = rot * p;
  std::swap(t.positions[0], t.positions[7]);
  std::swap(t.numbers[0], t.numbers[7]);
  const ApplicabilityReport b = dom.assess(t);
  EXPECT_NEAR(a.novelty, b.novelty, 1e-12);
  EXPECT_NEAR(a.distance_ratio, b.distance_ratio, 1e-12);
  EXPECT_NEAR(a.atom_novelty[0], b.atom_novelty[7], 1e-12);
  EXPECT_NEAR(a.atom_novelty[7], b.atom_novelty[0], 1e-12);
}

TEST(ApplicabilityDomain, JsonRoundTripKeepsEveryNumber) {
  std::vector<Structure> frames;
  const ApplicabilityDomain dom = fitted(frames);
  const nlohmann::json j = nlohmann::json::parse(dom.to_json().dump());
  const ApplicabilityDomain back = ApplicabilityDomain::from_json(j, "model.domain");
  const Structure s = nacl(5.3, 0.4, 7);
  const ApplicabilityReport a = dom.assess(s), b = back.assess(s);
  EXPECT_EQ(a.novelty, b.novelty);
  EXPECT_EQ(a.distance_ratio, b.distance_ratio);
  EXPECT_EQ(a.atom_novelty, b.atom_novelty);
  EXPECT_TRUE(ApplicabilityDomain::from_json(nullptr, "x").empty());
  nlohmann::json bad = j;
  bad["descriptor_range"]["Na"]["lo"] = std::vector<double>{1.0};
  EXPECT_NE(testing::error_of([&] {
              ApplicabilityDomain::from_json(bad, "model.domain");
            }).find("model.domain: descriptor_range of Na must have 16 components"),
            std::string::npos);
}

TEST(ApplicabilityDomain, UnknownAndUnseenSpecies) {
  std::vector<Structure> frames;
  for (unsigned k = 0; k < 3; ++k) frames.push_back(nacl(5.64, 0.1, k));
  std::vector<const Structure*> ptr;
  for (const auto& f : frames) ptr.push_back(&f);
  const ApplicabilityDomain dom =
      ApplicabilityDomain::fit(ptr, {3, 11, 17}, 5.0);  // Li: a species without data
  Structure s = nacl(5.64, 0.1, 0);
  s.numbers[2] = 3;
  const ApplicabilityReport r = dom.assess(s);
  EXPECT_EQ(r.novel_atom, 2);
  EXPECT_NE(r.describe(s).find("novelty inf (atom Li 3)"), std::string::npos) << r.describe(s);
  // Li never came within the cutoff of anything in training: its contacts count as shorter.
  EXPECT_LT(r.distance_ratio, 1.0);
  s.numbers[2] = 8;
  EXPECT_NE(testing::error_of([&] {
              dom.assess(s);
            }).find("atom 3: element O is not in the training set's domain"),
            std::string::npos);
}

}  // namespace
}  // namespace lnet
