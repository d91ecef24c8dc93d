#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "lnet/util/progress.hpp"

namespace lnet {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::vector<std::string> lines_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(Progress, FormatsDurations) {
  EXPECT_EQ(format_duration(0), "00:00");
  EXPECT_EQ(format_duration(75.4), "01:15");
  EXPECT_EQ(format_duration(3725), "1:02:05");
  EXPECT_EQ(format_duration(-1), "--:--");
}

TEST(Progress, LineShowsBarPercentCountElapsedAndEta) {
  // 123 of 270 in 12 s -> 147 left at 10.25 items/s -> 14.3 s.
  EXPECT_EQ(progress_line("train", 123, 270, 12.0, "loss 0.1", true),
            "train [#########...........] 45% 123/270 00:12<00:14 loss 0.1");
  EXPECT_EQ(progress_line("md", 0, 10, 1.0, "", false), "md 0% 0/10 00:01<--:--");
  EXPECT_EQ(progress_line("md", 10, 10, 61.0, "", false), "md 100% 10/10 01:01");
  EXPECT_EQ(progress_line("md", 4, 10, 6.0, "", false, true), "md 40% 4/10 00:06");
  EXPECT_EQ(progress_line("scan", 7, 0, 3.0, "", true), "scan 7 00:03");
}

TEST(Progress, PlainOutputPrintsEveryTenPercentAndOnceAtFinish) {
  std::ostringstream out;
  double now = 0;
  {
    Progress progress("epochs", 100, out, false, [&] { return now; });
    for (std::size_t i = 1; i <= 100; ++i) {
      now += 0.1;
      progress.update(i, "loss x");
    }
    progress.finish();  // the 100 % line was just printed: no repeat
  }
  const auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 10u);
  EXPECT_THAT(lines[0], StartsWith("epochs 10% 10/100 00:01<00:09 loss x"));
  EXPECT_THAT(lines[9], StartsWith("epochs 100% 100/100 00:10 loss x"));
  EXPECT_EQ(out.str().find('\r'), std::string::npos);
}

TEST(Progress, PlainOutputShowsSignOfLifeEvery30Seconds) {
  std::ostringstream out;
  double now = 0;
  Progress progress("slow", 1000, out, false, [&] { return now; });
  for (std::size_t i = 1; i <= 50; ++i) {  // 5 % in 100 s: no decile reached
    now += 2.0;
    progress.update(i);
  }
  progress.finish("stopped early");
  EXPECT_THAT(
      lines_of(out.str()),
      ElementsAre(StartsWith("slow 1% 15/1000 00:30<"), StartsWith("slow 3% 30/1000 01:00<"),
                  StartsWith("slow 4% 45/1000 01:30<"), "slow 5% 50/1000 01:40 stopped early"));
}

TEST(Progress, TerminalRedrawsInPlaceAtMostFiveTimesPerSecond) {
  std::ostringstream out;
  double now = 0;
  Progress progress("steps", 1000, out, true, [&] { return now; });
  for (std::size_t i = 1; i <= 1000; ++i) {
    now += 0.001;  // 1 s in total -> about 5 redraws, plus the last item
    progress.update(i);
  }
  progress.finish("done");
  const std::string text = out.str();
  const auto redraws = std::count(text.begin(), text.end(), '\r');
  EXPECT_GE(redraws, 5);
  EXPECT_LE(redraws, 8);
  EXPECT_THAT(text, HasSubstr("\rsteps [####################] 100% 1000/1000 00:01 done"));
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
}

TEST(Progress, TerminalLineIsEndedIfFinishIsNeverCalled) {
  std::ostringstream out;
  {
    Progress progress("x", 10, out, true, [] { return 0.0; });
    progress.update(3);
  }
  EXPECT_EQ(out.str().back(), '\n');
}

TEST(Progress, DefaultConstructorOnStringStreamIsPlain) {
  std::ostringstream out;
  Progress progress("p", 2, out);
  progress.update(1);
  progress.update(2);
  progress.finish();
  EXPECT_EQ(out.str().find('\r'), std::string::npos);
  EXPECT_THAT(out.str(), HasSubstr("p 100% 2/2"));
}

}  // namespace
}  // namespace lnet
