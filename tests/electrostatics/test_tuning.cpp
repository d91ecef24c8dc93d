// Parameter tuning is total: non-finite inputs are named, unreachable accuracies and
// runaway inputs end in a clear error or in parameters within the work limits, never in a hang
// or an unbounded allocation. Each call runs under a deadline, so a regression fails, not hangs.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <limits>
#include <thread>

#include "common/error_of.hpp"
#include "es_test_util.hpp"
#include "lnet/core/constants.hpp"
#include "lnet/infer/coulomb_tuning.hpp"

namespace lnet::es {
namespace {

using infer::estimated_cost;
using infer::kMaxMeshPoints;
using infer::kMaxPairsPerAtom;
using infer::kMaxStructureFactorTerms;
using infer::tune_parameters;
using infer::TuningInput;

using test::f64;

// Runs `f` on its own thread; a call still running after `seconds` aborts the test binary (a
// hang must not pass, and a detached runaway thread cannot be stopped cleanly).
template <class F>
void within_seconds(double seconds, F f) {
  auto task = std::make_shared<std::packaged_task<void()>>(std::move(f));
  std::future<void> done = task->get_future();
  std::thread([task] { (*task)(); }).detach();
  if (done.wait_for(std::chrono::duration<double>(seconds)) != std::future_status::ready) {
    ADD_FAILURE() << "still running after " << seconds << " s";
    std::abort();
  }
  done.get();  // rethrows what `f` threw
}

// Tuning takes microseconds; 20 s leaves room for a loaded CI machine.
constexpr double kDeadline = 20;

std::string tuning_error(const Settings& s, const Sites& sites) {
  std::string msg;
  within_seconds(kDeadline,
                 [&] { msg = testing::error_of([&] { Electrostatics(s).resolve(sites); }); });
  return msg;
}

// Parameters that respect the documented work limits.
void expect_bounded(const Parameters& p, const TuningInput& in) {
  const double volume = std::abs(in.cell.determinant());
  const double pairs = 4.0 / 3.0 * M_PI * std::pow(p.real_cutoff, 3) * in.natoms / volume / 2;
  EXPECT_LE(pairs, kMaxPairsPerAtom * 1.0001) << p.describe();
  if (p.method == Method::Ewald) {
    EXPECT_LE(0.5 * (2 * p.kmax[0] + 1) * (2 * p.kmax[1] + 1) * (2 * p.kmax[2] + 1) * in.natoms,
              kMaxStructureFactorTerms)
        << p.describe();
  }
  if (p.method == Method::PME) {
    EXPECT_LE(double(p.mesh[0]) * p.mesh[1] * p.mesh[2], kMaxMeshPoints) << p.describe();
  }
  EXPECT_TRUE(std::isfinite(p.alpha) && p.alpha > 0) << p.describe();
}

TEST(Tuning, NonFiniteInputsAreNamed) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  struct Case {
    const char* name;
    std::function<void(Sites&)> spoil;
  };
  const Case cases[] = {
      {"charges of site 2", [&](Sites& s) { s.charges.index_put_({1}, nan); }},
      {"dipoles of site 3",
       [&](Sites& s) {
         s.dipoles.index_put_({2, 1}, nan);
       }},
      {"positions of site 1",
       [&](Sites& s) {
         s.positions.index_put_({0, 0}, INFINITY);
       }},
      {"sigma of site 4", [&](Sites& s) { s.sigma.index_put_({3}, nan); }},
      {"cell row 2",
       [&](Sites& s) {
         s.cell.index_put_({1, 1}, nan);
       }},
  };
  for (const Case& c : cases) {
    for (Method m : {Method::Auto, Method::Ewald, Method::PME}) {
      Sites s = test::random_box(8, 1, true, true);
      c.spoil(s);
      Settings st;
      st.method = m;
      const std::string msg = tuning_error(st, s);
      EXPECT_NE(msg.find(c.name), std::string::npos) << msg;
    }
  }
  TuningInput in;
  in.natoms = 2;
  in.cell = Mat3::Identity() * 5;
  in.sum_q2 = 1e300 * 1e300;  // charges too large to square
  EXPECT_NE(testing::error_of([&] { tune_parameters({}, in); }).find("squared charges"),
            std::string::npos);
}

// Very wide Gaussians in a small cell: their erfc tail belongs to the pair kernel and would
// need a cutoff of hundreds of Å (18 GB before this check); the message names the width.
TEST(Tuning, VeryWideGaussiansInASmallCellFailWithAMessage) {
  Sites s = test::rock_salt(2.8, true);
  s.sigma = torch::full({2}, 300.0, f64());
  for (Method m : {Method::Auto, Method::Ewald, Method::PME}) {
    Settings st;
    st.method = m;
    const std::string msg = tuning_error(st, s);
    EXPECT_NE(msg.find("sigma = 300"), std::string::npos) << msg;
    EXPECT_NE(msg.find("model.sigma"), std::string::npos) << msg;
  }
  s.sigma = torch::full({2}, 3.0, f64());  // wide but reasonable: still tuned, within limits
  within_seconds(kDeadline, [&] { Electrostatics().resolve(s); });
}

// Runaway dipoles, absurd accuracies, dilute and huge cells: either parameters within the
// limits or an InputError naming the setting to change; always within the deadline.
TEST(Tuning, ExtremeInputsEndBoundedOrWithAMessage) {
  std::vector<TuningInput> inputs;
  for (double edge : {3.0, 12.0, 1000.0})
    for (int64_t n : {int64_t(1), int64_t(64), int64_t(5000)})
      for (double mu2 : {0.0, 1e12, 1e250}) {
        TuningInput in;
        in.natoms = n;
        in.cell = Mat3::Identity() * edge;
        in.sum_q2 = double(n);
        in.sum_mu2 = mu2;
        in.max_sigma = 1.0;
        inputs.push_back(in);
      }
  int errors = 0, tuned = 0;
  for (const TuningInput& in : inputs)
    for (Method m : {Method::Auto, Method::Ewald, Method::PME})
      for (double acc : {1e-5, 1e-300}) {
        Settings s;
        s.method = m;
        s.accuracy = acc;
        within_seconds(kDeadline, [&] {
          try {
            expect_bounded(tune_parameters(s, in), in);
            ++tuned;
          } catch (const InputError& e) {
            const std::string msg = e.what();
            EXPECT_TRUE(msg.find("electrostatics.") != std::string::npos ||
                        msg.find("model.sigma") != std::string::npos)
                << msg;
            ++errors;
          }
        });
      }
  EXPECT_GT(tuned, 0);
  EXPECT_GT(errors, 0);  // the sweep does reach the limits
}

TEST(Tuning, EwaldFallsBackToPmeUnderAutoWhenKSpaceIsTooLarge) {
  TuningInput in;
  in.natoms = 200;  // Ewald under auto
  in.cell = Mat3::Identity() * 20;
  in.sum_q2 = 200;
  Settings s;
  s.alpha = 3.0;  // a sharp split: ~70 k-vectors per axis for Ewald, a modest mesh for PME
  Parameters p;
  within_seconds(kDeadline, [&] { p = tune_parameters(s, in); });
  EXPECT_EQ(p.method, Method::PME) << p.describe();
  expect_bounded(p, in);
  s.method = Method::Ewald;
  // The advice names the setting as the caller's user knows it.
  EXPECT_NE(testing::error_of([&] {
              tune_parameters(s, in);
            }).find("set electrostatics.method to auto or pme"),
            std::string::npos);
  s.method_setting = "--method";
  s.accuracy_setting = "--accuracy";
  const std::string cli = testing::error_of([&] { tune_parameters(s, in); });
  EXPECT_NE(cli.find("set --method to auto or pme"), std::string::npos) << cli;
  EXPECT_NE(cli.find("raise --accuracy"), std::string::npos) << cli;
  EXPECT_EQ(cli.find("electrostatics."), std::string::npos) << cli;
}

// RMS force error of `settings` on `s` against Ewald at 1e-10, relative to unit charges at 1 Å.
double force_error(const Sites& s, const Settings& settings) {
  Settings exact;
  exact.method = Method::Ewald;
  exact.accuracy = 1e-10;
  SiteResult a = evaluate(Electrostatics(exact), s);
  SiteResult b = evaluate(Electrostatics(settings), s);
  return (a.forces - b.forces).pow(2).mean().sqrt().item<double>() * std::sqrt(3.0) /
         units::coulomb;
}

// n random neutral point charges in a cube of side `box`, at least 1 Å apart.
Sites random_gas(int n, double box, uint64_t seed) {
  Sites s = test::random_box(n, seed, false, false);
  const torch::Tensor frac = s.positions.matmul(torch::inverse(s.cell));
  s.cell = torch::eye(3, f64()) * box;
  s.positions = frac * box;
  return s;
}

// Auto picks by estimated cost at the requested accuracy, not by atom count: a 300-atom sparse
// gas took 49 s and 2.5 GB with PME (a mesh whose per-charge error is not averaged away) and
// 2.6 s with Ewald; a dense cell of as many atoms is cheaper on a mesh. Either way the chosen
// parameters meet the accuracy.
TEST(Tuning, AutoChoosesTheCheaperMethodAndMeetsTheAccuracy) {
  struct Case {
    Sites sites;
    Method expected;
  };
  const Case cases[] = {{random_gas(300, 150.0, 7), Method::Ewald},
                        {random_gas(512, std::cbrt(512 / 0.1), 8), Method::PME}};
  for (const Case& c : cases) {
    Settings automatic;
    automatic.accuracy = 1e-5;
    const Parameters p = Electrostatics(automatic).resolve(c.sites);
    EXPECT_EQ(p.method, c.expected) << p.describe();
    TuningInput in;
    in.natoms = c.sites.positions.size(0);
    for (int a = 0; a < 3; ++a) in.cell(a, a) = c.sites.cell[a][a].item<double>();
    in.sum_q2 = c.sites.charges.pow(2).sum().item<double>();
    for (Method m : {Method::Ewald, Method::PME}) {
      Settings other = automatic;
      other.method = m;
      try {
        EXPECT_LE(estimated_cost(p, in), estimated_cost(tune_parameters(other, in), in))
            << p.describe();
      } catch (const InputError&) {  // beyond the limits: not a candidate
      }
    }
    // The requested accuracy is met by either method (the mesh target carries smooth PME's
    // measured factor over the P3M estimate, tuning.cpp).
    EXPECT_LT(force_error(c.sites, automatic), automatic.accuracy) << p.describe();
  }
}

// A sparse gas in a huge cell: PME would need a mesh beyond the limit once its error
// estimate no longer averages over a dense gas; auto then uses Ewald, explicit PME says so.
TEST(Tuning, HugeSparseCellUsesEwaldUnderAuto) {
  TuningInput in;
  in.natoms = 500;  // PME under auto by size
  in.cell = Mat3::Identity() * 1000;
  in.sum_q2 = 500;
  Parameters p;
  within_seconds(kDeadline, [&] { p = tune_parameters(Settings{}, in); });
  EXPECT_EQ(p.method, Method::Ewald) << p.describe();
  expect_bounded(p, in);
  Settings pme;
  pme.method = Method::PME;
  EXPECT_NE(testing::error_of([&] { tune_parameters(pme, in); }).find("PME mesh"),
            std::string::npos);
}

TEST(Tuning, ExplicitCutoffBeyondTheLimitIsNamed) {
  Sites s = test::rock_salt(2.8, true);
  Settings st;
  st.real_cutoff = 500;
  EXPECT_NE(tuning_error(st, s).find("electrostatics.real_cutoff"), std::string::npos);
}

}  // namespace
}  // namespace lnet::es
