#include <gtest/gtest.h>

#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/structure.hpp"

namespace lnet {

TEST(Elements, RoundTripsSymbols) {
  for (int z = 1; z <= 118; ++z) EXPECT_EQ(atomic_number(element_symbol(z)), z);
  EXPECT_EQ(atomic_number("Na"), 11);
  EXPECT_EQ(atomic_number("Cl"), 17);
}

TEST(Elements, RejectsUnknownSymbol) {
  EXPECT_THROW(atomic_number("Xx"), InputError);
  EXPECT_THROW(element_symbol(0), Error);
}

TEST(Structure, StressFromVirial) {
  Structure s;
  s.cell = Mat3::Identity() * 2.0;  // volume 8
  s.virial = Mat3::Identity() * 8.0;
  ASSERT_TRUE(s.stress_label());
  EXPECT_DOUBLE_EQ((*s.stress_label())(0, 0), -1.0);
}

}  // namespace lnet
