// The registry parity test: every quantity of the registry (core/quantity.hpp) that the CPU
// engine claims agrees with the torch reference, for short- and long-range models, periodic and
// open structures, float64 and float32. A quantity the reference has no value for (the per-atom
// split) is checked through the total it sums to; any other is a failure, so a new quantity
// cannot be claimed without a reference to hold it to.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <tuple>

#include "lnet/core/quantity.hpp"
#include "lnet/model/calculator.hpp"
#include "lnet/model/model_file.hpp"
#include "model/model_fixtures.hpp"

namespace lnet {
namespace {

using namespace lnet::testing;

using Case = std::tuple<bool, bool, std::string>;  // long range, periodic, dtype

class QuantityParity : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    torch::manual_seed(5);
    path = (std::filesystem::temp_directory_path() /
            ("lnet_parity_" + std::to_string(::getpid()) + ".lnet"))
               .string();
    Potential model(small_config(std::get<0>(GetParam())));
    save_model(model, path);
  }
  void TearDown() override { std::filesystem::remove(path); }
  std::string path;
};

// Largest |x| of `v`, at least 1 (the tolerances below are relative to it).
double scale_of(const std::vector<double>& v) {
  double m = 1;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

TEST_P(QuantityParity, CpuEngineAgreesWithTheReference) {
  const auto& [long_range, periodic, dtype] = GetParam();
  CalculatorOptions fast_options, reference_options;
  fast_options.engine = "fast";
  fast_options.radial_table = 0;  // the radial MLP per edge: equal to the reference to rounding
  reference_options.engine = "reference";
  fast_options.dtype = reference_options.dtype = dtype;
  Calculator fast(path, fast_options), reference(path, reference_options);
  const Structure s = distorted_nacl(3, periodic);
  const Vec3 field = long_range ? Vec3(0.05, -0.02, 0.1) : Vec3::Zero();
  // float64: the engines agree to rounding (the 1e-10; measured 4e-15); float32:
  // rounding of 6e-8 through sums over pairs and the Ewald sums (measured 2e-6 of the largest
  // value, the long-range virial), well inside 1e-4.
  const double tol = dtype == "float64" ? 1e-10 : 1e-4;
  // The per-atom quantities and the totals they sum to.
  const std::map<std::string, std::string> sums_to = {{"atom_energies", "energy"},
                                                      {"atom_virials", "virial"}};
  int compared = 0;
  for (const Quantity& q : quantities()) {
    if (!q.read) continue;  // registered at run time by another test of this process
    EvalRequest request;
    q.request(request);
    if (!fast.supports(request)) continue;  // not claimed by the CPU engine
    const auto v = values(q, fast.evaluate(s, field, request), s);
    const bool with_reference = reference.supports(request);
    const Quantity total = quantity(with_reference          ? q.name
                                    : sums_to.count(q.name) ? sums_to.at(q.name)
                                                            : q.name);
    if (!with_reference && total.name == q.name) {
      ADD_FAILURE() << q.name << ": claimed by the CPU engine, but neither the reference nor a "
                    << "total holds it";
      continue;
    }
    EvalRequest reference_request;
    total.request(reference_request);
    const auto r = values(total, reference.evaluate(s, field, reference_request), s);
    ASSERT_EQ(v.has_value(), r.has_value()) << q.name;
    if (!v) continue;
    std::vector<double> got = *v;
    if (!with_reference) {  // sum the per-atom items
      std::vector<double> sum(total.item_size(), 0.0);
      for (std::size_t k = 0; k < got.size(); ++k) sum[k % sum.size()] += got[k];
      got = sum;
    }
    ASSERT_EQ(got.size(), r->size()) << q.name;
    const double bound = tol * scale_of(*r);
    for (std::size_t k = 0; k < got.size(); ++k)
      EXPECT_NEAR(got[k], (*r)[k], bound) << q.name << " [" << k << "]";
    ++compared;
  }
  // energy, forces, virial, stress (periodic), per-atom energies and virials; long range: the
  // dipole, charges, atomic dipoles and Born charges.
  EXPECT_EQ(compared, 5 + (periodic ? 1 : 0) + (long_range ? 4 : 0));
}

INSTANTIATE_TEST_SUITE_P(Engines, QuantityParity,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool(),
                                            ::testing::Values("float64", "float32")));

}  // namespace
}  // namespace lnet
