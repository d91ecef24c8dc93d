#include <gtest/gtest.h>

#include <cmath>

#include "lnet/core/error.hpp"
#include "lnet/util/table.hpp"

namespace lnet {
namespace {

TEST(Table, AlignsColumnsUnderARule) {
  Table table({"label", "RMSE", "MAE (meV/Å)"});
  table.add_row({"energy", "1.25", "0.9"});
  table.add_row({"forces (long)", "12.5", "10.0"});
  const std::string expected =
      "label          RMSE  MAE (meV/Å)\n"
      "--------------------------------\n"
      "energy         1.25          0.9\n"
      "forces (long)  12.5         10.0\n";
  EXPECT_EQ(table.str(), expected);
}

TEST(Table, SingleColumnHasNoTrailingSpaces) {
  Table table({"x"});
  table.add_row({"longer"});
  EXPECT_EQ(table.str(), "x\n------\nlonger\n");
}

TEST(Table, RowWithWrongCellCountIsAnError) {
  Table table({"a", "b"});
  EXPECT_THROW(table.add_row({"1"}), Error);
}

TEST(Fmt, FixedScientificAndSpecialValues) {
  EXPECT_EQ(fmt(3.14159, 3), "3.142");
  EXPECT_EQ(fmt(-2.0, 2), "-2.00");
  EXPECT_EQ(fmt(0.0, 2), "0.00");
  EXPECT_EQ(fmt(-0.0, 2), "0.00");
  EXPECT_EQ(fmt(1.234e-5, 3), "1.234e-05");  // fixed would print 0.000
  EXPECT_EQ(fmt(-4e-4, 3), "-4.000e-04");
  EXPECT_EQ(fmt(6e-4, 3), "0.001");  // rounds to a significant digit: stays fixed
  EXPECT_EQ(fmt(2.5e12, 2), "2.50e+12");
  EXPECT_EQ(fmt(12.5, 0), "12");  // round-half-even of printf
  EXPECT_EQ(fmt(NAN, 3), "nan");
  EXPECT_EQ(fmt(-INFINITY, 3), "-inf");
}

}  // namespace
}  // namespace lnet
