// phonopy BORN reader. tests/io/data/nacl_BORN was written by phonopy 2.x itself
// (phonopy.file_IO.get_BORN_lines on the P1 cell of nacl_scf.out, with the zeu rows "Ex/Ey/Ez"
// of nacl_ph.out as born[i] rows, the way phonopy's QE helper reads them; "14.400" was then
// prepended to its header line) and read back with phonopy.file_IO.parse_BORN_from_strings,
// whose values are pasted below. phonopy imposes the acoustic sum rule when writing (subtracts
// the mean Z*) and keeps each tensor's orientation.
#include <gtest/gtest.h>

#include <sstream>

#include "common/error_of.hpp"
#include "lnet/core/error.hpp"
#include "lnet/io/phonopy_born.hpp"
#include "lnet/io/qe_ph.hpp"

namespace lnet {
namespace {

const std::string kData = std::string(LNET_SOURCE_DIR) + "/tests/io/data/";

PhonopyBorn parse(const std::string& text) {
  std::istringstream in(text);
  return parse_phonopy_born(in, "BORN");
}

using testing::error_of;

TEST(PhonopyBorn, MatchesPhonopysOwnReader) {
  PhonopyBorn born = read_phonopy_born(kData + "nacl_BORN");
  ASSERT_TRUE(born.factor);
  EXPECT_DOUBLE_EQ(*born.factor, 14.4);
  // phonopy: dielectric [[2.46307528, -8.9466e-04, 2.8771e-04], [.., 2.46483863, -8.702e-04],
  // [.., .., 2.47294106]]; born[0] = [[1.095255, -2.255e-03, 1.15e-04], [-2.155e-03, 1.097085,
  // 3.52e-03], [1.1e-04, 2.905e-03, 1.101915]], born[1] = -born[0].
  Mat3 eps, z0;
  eps << 2.46307528, -8.9466e-04, 2.8771e-04, -8.9466e-04, 2.46483863, -8.702e-04, 2.8771e-04,
      -8.702e-04, 2.47294106;
  z0 << 1.095255, -2.255e-03, 1.15e-04, -2.155e-03, 1.097085, 3.52e-03, 1.1e-04, 2.905e-03,
      1.101915;
  EXPECT_LT((born.epsilon - eps).cwiseAbs().maxCoeff(), 1e-15);
  ASSERT_EQ(born.z.size(), 2u);
  EXPECT_LT((born.z[0] - z0).cwiseAbs().maxCoeff(), 1e-15);
  EXPECT_LT((born.z[1] + z0).cwiseAbs().maxCoeff(), 1e-15);
  // Row-major: element (0, 1) is the 2nd number of the line, not the 4th.
  EXPECT_DOUBLE_EQ(born.z[0](0, 1), -0.002255);
  EXPECT_DOUBLE_EQ(born.z[0](1, 0), -0.002155);
}

TEST(PhonopyBorn, SameConventionAsQePh) {
  // BORN Z* = ph.x zeu minus its mean (phonopy's sum-rule correction), element by element and
  // with the same orientation: a transpose would be off by up to 9e-4 (Cl yz vs zy).
  PhonopyBorn born = read_phonopy_born(kData + "nacl_BORN");
  QePhResult ph = read_qe_ph(kData + "nacl_ph.out");
  Mat3 mean = (ph.bec[0] + ph.bec[1]) / 2;
  for (int i = 0; i < 2; ++i) {
    EXPECT_LT((born.z[i] - (ph.bec[i] - mean)).cwiseAbs().maxCoeff(), 6e-9);  // %13.8f rounding
    EXPECT_GT((born.z[i] - (ph.bec[i] - mean).transpose()).cwiseAbs().maxCoeff(), 5e-4);
  }
  EXPECT_LT((born.epsilon - ph.epsilon_inf).cwiseAbs().maxCoeff(), 6e-9);
  EXPECT_LT(acoustic_sum_rule_violation(born.z), 1e-12);
}

TEST(PhonopyBorn, HeaderVariants) {
  const std::string data =
      "1 0 0 0 1 0 0 0 2\n"
      "1 2 3 4 5 6 7 8 9\n"
      "-1 -2 -3 -4 -5 -6 -7 -8 -9\n";
  // Text header (phonopy: no factor), header with G_cutoff and Lambda, no header at all.
  PhonopyBorn text = parse("# epsilon and Z*\n" + data);
  EXPECT_FALSE(text.factor);
  EXPECT_EQ(text.z.size(), 2u);
  EXPECT_DOUBLE_EQ(text.epsilon(2, 2), 2.0);
  EXPECT_DOUBLE_EQ(text.z[0](1, 2), 6.0);
  PhonopyBorn three = parse("14.4 0.5 1.0\n" + data + "\n\n");
  EXPECT_DOUBLE_EQ(*three.factor, 14.4);
  EXPECT_EQ(three.z.size(), 2u);
  PhonopyBorn none = parse(data);
  EXPECT_FALSE(none.factor);
  EXPECT_EQ(none.z.size(), 2u);
  EXPECT_DOUBLE_EQ(none.z[1](2, 0), -7.0);
}

TEST(PhonopyBorn, ErrorsNameFileAndLine) {
  std::string msg = error_of([] { parse("14.4\n1 0 0 0 1 0 0 0 1\n1 2 3 4 5 6 7 8\n"); });
  EXPECT_NE(msg.find("BORN:3: expected 9 numbers (Z* of one atom"), std::string::npos) << msg;
  msg = error_of([] { parse("14.4\n1 0 0 0 1 0 x 0 1\n1 2 3 4 5 6 7 8 9\n"); });
  EXPECT_NE(msg.find("BORN:2: expected 9 numbers (epsilon_inf"), std::string::npos) << msg;
  msg = error_of([] { parse("14.4\n1 0 0 0 1 0 0 0 1\n"); });
  EXPECT_NE(msg.find("at least one line of 9 Z* numbers"), std::string::npos) << msg;
  EXPECT_NE(error_of([] { parse(""); }).find("BORN:1"), std::string::npos);
  EXPECT_NE(error_of([] { read_phonopy_born(kData + "missing_BORN"); }).find("cannot open"),
            std::string::npos);
}

TEST(PhonopyBorn, AppliesOnlyWithOneChargePerAtom) {
  PhonopyBorn born = read_phonopy_born(kData + "nacl_BORN");
  Structure s;
  s.numbers = {11, 17};
  s.positions = {Vec3::Zero(), Vec3(2.8, 2.8, 2.8)};
  apply_phonopy_born(s, born, "BORN");
  ASSERT_TRUE(s.bec && s.epsilon_inf);
  EXPECT_EQ((*s.bec)[1], born.z[1]);
  EXPECT_EQ(*s.epsilon_inf, born.epsilon);

  // A conventional cell of 4 formula units: BORN's 2 independent atoms are not enough.
  Structure big;
  big.numbers.assign(8, 11);
  big.positions.assign(8, Vec3::Zero());
  std::string msg = error_of([&] { apply_phonopy_born(big, born, "BORN"); });
  EXPECT_NE(msg.find("BORN: BORN lists Z* for 2 atoms but the structure has 8"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("symmetry"), std::string::npos) << msg;
  EXPECT_FALSE(big.bec);
}

}  // namespace
}  // namespace lnet
