#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "lnet/util/atomic_file.hpp"
#include "lnet/util/plot.hpp"
#include "util/temp_dir.hpp"

namespace lnet {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

plot::Figure parity_figure() {
  plot::Figure fig;
  fig.title = "Forces: it's a parity plot";
  fig.xlabel = "DFT force (eV/Å)";
  fig.ylabel = "lnet force (eV/Å)";
  fig.parity = true;
  plot::Series train{"train", {}, {}, plot::Series::Points};
  plot::Series valid{"validation", {}, {}, plot::Series::Points};
  for (int i = 0; i < 200; ++i) {
    const double ref = 3.0 * std::sin(0.37 * i);
    (i % 5 ? train : valid).x.push_back(ref);
    (i % 5 ? train : valid).y.push_back(ref + 0.1 * std::cos(1.3 * i));
  }
  fig.series = {train, valid};
  return fig;
}

plot::Figure learning_curve() {
  plot::Figure fig;
  fig.title = "Learning curve";
  fig.xlabel = "epoch";
  fig.ylabel = "loss";
  fig.logy = true;
  plot::Series train{"train_loss", {}, {}, plot::Series::Lines};
  plot::Series valid{"validation loss", {}, {}, plot::Series::Lines};
  for (int epoch = 1; epoch <= 100; ++epoch) {
    train.x.push_back(epoch);
    train.y.push_back(10.0 * std::exp(-0.05 * epoch) + 1e-3);
    valid.x.push_back(epoch);
    valid.y.push_back(12.0 * std::exp(-0.045 * epoch) + 2e-3);
  }
  valid.y[3] = NAN;  // a missing validation value must not break the plot
  fig.series = {train, valid};
  return fig;
}

void expect_png(const std::string& path) {
  const std::string bytes = read_file(path);
  ASSERT_GT(bytes.size(), 1000u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

TEST(Plot, ParityPlotAndLogLearningCurveArePngs) {
  if (!plot::gnuplot_available()) GTEST_SKIP() << "gnuplot not on PATH";
  testing::TempDir dir;
  ASSERT_TRUE(plot::save_png(parity_figure(), dir.file("parity.png")));
  expect_png(dir.file("parity.png"));
  ASSERT_TRUE(plot::save_png(learning_curve(), dir.file("curve.png")));
  expect_png(dir.file("curve.png"));
  // Only the two plots remain: temporaries (script, partial PNG) are gone.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 2);
}

TEST(Plot, MissingOutputDirectoryReturnsFalse) {
  testing::TempDir dir;
  const std::string path = dir.file("no/such/dir/plot.png");
  EXPECT_FALSE(plot::save_png(learning_curve(), path));
  EXPECT_FALSE(std::filesystem::exists(path));
}

// Puts a fake `gnuplot` (a shell script with `body`) first on PATH for one test.
class FakeGnuplot {
 public:
  FakeGnuplot(const testing::TempDir& dir, const std::string& body) : old_path_(getenv("PATH")) {
    const std::string bin = dir.file("bin");
    std::filesystem::create_directories(bin);
    write_file_atomic(bin + "/gnuplot", "#!/bin/sh\n" + body + "\n");
    std::filesystem::permissions(bin + "/gnuplot", std::filesystem::perms::owner_all);
    setenv("PATH", (bin + ":" + old_path_).c_str(), 1);
  }
  ~FakeGnuplot() { setenv("PATH", old_path_.c_str(), 1); }

 private:
  std::string old_path_;
};

TEST(Plot, GnuplotErrorReturnsFalseAndLeavesNoFiles) {
  testing::TempDir dir;
  FakeGnuplot fake(dir, "echo 'line 7: boom' >&2; exit 1");
  EXPECT_FALSE(plot::save_png(learning_curve(), dir.file("curve.png")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("curve.png")));
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(e.path().filename(), "bin");  // no temporaries left
  }
}

TEST(Plot, GnuplotWritingNoPngReturnsFalse) {
  testing::TempDir dir;
  FakeGnuplot fake(dir, "exit 0");
  EXPECT_FALSE(plot::save_png(learning_curve(), dir.file("curve.png")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("curve.png")));
}

TEST(Plot, NoGnuplotOnPathReturnsFalse) {
  testing::TempDir dir;
  const std::string old_path = getenv("PATH");
  setenv("PATH", dir.path().c_str(), 1);
  EXPECT_FALSE(plot::gnuplot_available());
  EXPECT_FALSE(plot::save_png(learning_curve(), dir.file("curve.png")));
  setenv("PATH", old_path.c_str(), 1);
}

TEST(Plot, InvalidFiguresReturnFalseWithoutThrowing) {
  testing::TempDir dir;
  plot::Figure mismatched;
  mismatched.series = {{"a", {1, 2, 3}, {1, 2}}};
  EXPECT_FALSE(plot::save_png(mismatched, dir.file("a.png")));
  plot::Figure empty;
  EXPECT_FALSE(plot::save_png(empty, dir.file("b.png")));
  plot::Figure only_negative_on_log;
  only_negative_on_log.logy = true;
  only_negative_on_log.series = {{"neg", {1, 2}, {-1, 0}}};
  EXPECT_FALSE(plot::save_png(only_negative_on_log, dir.file("c.png")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("a.png")));
}

TEST(Plot, ScriptQuotesLabelsAndDropsUnplottablePoints) {
  const std::string script = plot::gnuplot_script(learning_curve(), "out's.png");
  EXPECT_THAT(script, HasSubstr("set output 'out''s.png'"));
  EXPECT_THAT(script, HasSubstr("title 'train_loss'"));
  EXPECT_THAT(script, HasSubstr("set logscale y"));
  EXPECT_THAT(script, HasSubstr("$d1 << EOD"));
  EXPECT_THAT(script, Not(HasSubstr("nan")));
  const std::string parity = plot::gnuplot_script(parity_figure(), "p.png");
  EXPECT_THAT(parity, HasSubstr("set title 'Forces: it''s a parity plot'"));
  EXPECT_THAT(parity, HasSubstr("title 'y = x'"));
  EXPECT_THAT(parity, HasSubstr("set size ratio -1"));
}

TEST(Plot, ParityRangesAreEqual) {
  plot::Figure fig;
  fig.parity = true;
  fig.series = {{"s", {0, 10}, {2, 4}, plot::Series::Points}};
  const std::string script = plot::gnuplot_script(fig, "p.png");
  // Data span [0, 10], padded 5 %: both axes [-0.5, 10.5].
  EXPECT_THAT(script, HasSubstr("set xrange [-0.5:10.5]"));
  EXPECT_THAT(script, HasSubstr("set yrange [-0.5:10.5]"));
}

}  // namespace
}  // namespace lnet
