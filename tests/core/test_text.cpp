// Message helpers: quoted excerpts of input text, and the one rule for thread counts.
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "lnet/core/error.hpp"
#include "lnet/core/text.hpp"
#include "lnet/core/thread_environment.hpp"

namespace lnet {
namespace {

TEST(QuoteExcerpt, PrintableTextIsQuotedAsItIs) {
  EXPECT_EQ(quote_excerpt("two"), "'two'");
  EXPECT_EQ(quote_excerpt(""), "''");
}

TEST(QuoteExcerpt, InvisibleAndBinaryBytesAreEscaped) {
  // A UTF-8 byte-order mark before "3": invisible on a terminal, shown as its bytes.
  EXPECT_EQ(quote_excerpt("\xEF\xBB\xBF"
                          "3"),
            "'\\xEF\\xBB\\xBF3'");
  EXPECT_EQ(quote_excerpt(std::string("a\0b\tc\\", 6)), "'a\\x00b\\x09c\\x5C'");
}

TEST(QuoteExcerpt, LongTextIsCutWithItsLength) {
  const std::string binary(5000, '\x01');
  std::string expected = "'";
  for (int k = 0; k < 40; ++k) expected += "\\x01";
  EXPECT_EQ(quote_excerpt(binary), expected + "'... (5000 bytes)");
  EXPECT_EQ(quote_excerpt("abcdef", 3), "'abc'... (6 bytes)");
}

TEST(ThreadCount, NonPositiveIsAnErrorNamingTheOption) {
  for (int n : {0, -2}) {
    try {
      checked_thread_count(n, "--threads");
      ADD_FAILURE() << n << " accepted";
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()),
                "--threads: expected a positive number, got " + std::to_string(n));
    }
  }
}

TEST(ThreadCount, FarAboveTheCoresIsCapped) {
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  EXPECT_EQ(checked_thread_count(1), 1);
  EXPECT_EQ(checked_thread_count(kMaxThreadsPerCore * cores), kMaxThreadsPerCore * cores);
  EXPECT_EQ(checked_thread_count(1000 * cores), kMaxThreadsPerCore * cores);
}

}  // namespace
}  // namespace lnet
