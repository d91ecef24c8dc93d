// The forward-mode dual scalar of the training engine (dual.hpp): every operation's tangent
// against the known derivative, a composite against central finite differences, and Eigen
// products over RowMat<Dual<double>>.
#include <gtest/gtest.h>

#include "lnet/infer/dual.hpp"
#include "lnet/infer/network.hpp"

namespace lnet::infer {
namespace {

using D = Dual<double>;

// A composite of every operation the engine uses.
template <class T>
T composite(T x) {
  using std::cos, std::exp, std::log, std::pow, std::sin, std::sqrt;
  const T y = T(2) * x * x - T(1) / (x + T(3)) + pow(x, T(5)) / T(7);
  return exp(-y / T(4)) * sin(T(3) * x) + cos(x) * sqrt(y * y + T(1)) - log(x + T(2)) + -x;
}

TEST(Dual, ElementaryTangentsAreTheDerivatives) {
  const double x = 0.7;
  const D u{x, 1.0};
  // Exact derivatives: equal to rounding (a few ulp).
  EXPECT_NEAR((u * u).d, 2 * x, 1e-15);
  EXPECT_NEAR((D(1.0) / u).d, -1 / (x * x), 1e-14);
  EXPECT_NEAR(exp(u).d, std::exp(x), 1e-15);
  EXPECT_NEAR(log(u).d, 1 / x, 1e-15);
  EXPECT_NEAR(sqrt(u).d, 0.5 / std::sqrt(x), 1e-15);
  EXPECT_NEAR(sin(u).d, std::cos(x), 1e-15);
  EXPECT_NEAR(cos(u).d, -std::sin(x), 1e-15);
  EXPECT_NEAR(pow(u, D(5.0)).d, 5 * std::pow(x, 4), 1e-14);
  EXPECT_NEAR(pow(D(2.0), u).d, std::pow(2.0, x) * std::log(2.0), 1e-15);
  EXPECT_NEAR(abs(-u).d, 1.0, 0.0);
  // A constant has no tangent; equality sees the tangent, ordering only the value.
  EXPECT_EQ(D(3).d, 0.0);
  EXPECT_TRUE(D(0.0, 1.0) != D(0.0));
  EXPECT_FALSE(D(1.0, 2.0) < D(1.0, 0.0));
}

TEST(Dual, CompositeMatchesFiniteDifferences) {
  for (double x : {0.3, 1.1, 2.5}) {
    const D r = composite(D{x, 1.0});
    EXPECT_DOUBLE_EQ(r.v, composite(x));  // the value part is the plain computation
    // Central differences, h = 1e-5: truncation O(h²) ~ 1e-10 times f''' (order 10 here),
    // rounding ~1e-16 / h ~ 1e-11.
    const double h = 1e-5, fd = (composite(x + h) - composite(x - h)) / (2 * h);
    EXPECT_NEAR(r.d, fd, 1e-8 * std::max(1.0, std::abs(fd))) << "x = " << x;
  }
}

TEST(Dual, EigenProductsCarryTangents) {
  // (A + εA')(B + εB') = AB + ε(A'B + AB'), against the plain products.
  Eigen::MatrixXd a = Eigen::MatrixXd::Random(5, 4), da = Eigen::MatrixXd::Random(5, 4),
                  b = Eigen::MatrixXd::Random(4, 3), db = Eigen::MatrixXd::Random(4, 3);
  RowMat<D> x(5, 4), y(4, 3);
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 4; ++j) x(i, j) = D(a(i, j), da(i, j));
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j) y(i, j) = D(b(i, j), db(i, j));
  RowMat<D> z;
  z.noalias() = x * y;
  const Eigen::MatrixXd v = a * b, t = da * b + a * db;
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 3; ++j) {
      EXPECT_NEAR(z(i, j).v, v(i, j), 1e-14);
      EXPECT_NEAR(z(i, j).d, t(i, j), 1e-14);
    }
}

}  // namespace
}  // namespace lnet::infer
