// Running the built `lnet` executable from the CLI tests, and a fresh folder per test.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

namespace lnet::testing {

struct Outcome {
  int status;
  std::string output;  // stdout and stderr
};

// `lnet ARGS` with stdout and stderr captured (so stderr is not a terminal), optionally under a
// limit on the address space (KiB, as `ulimit -v`). `--threads 1` unless ARGS sets it.
inline Outcome run_lnet(const std::string& args, long vmem_kib = 0) {
  const std::string limit = vmem_kib > 0 ? "ulimit -v " + std::to_string(vmem_kib) + "; " : "";
  const std::string threads = args.rfind("--threads", 0) == 0 ? "" : "--threads 1 ";
  const std::string cmd =
      limit + std::string(LNET_BINARY_DIR) + "/lnet " + threads + args + " 2>&1";
  Outcome r{0, ""};
  FILE* pipe = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe)) r.output += buf.data();
  r.status = pclose(pipe);
  return r;
}

// A folder of its own for each test (CTest runs the tests of a file in parallel), removed after
// a test that passed.
class CliFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("lnet_cli_" + std::string(info->test_suite_name()) + "_" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }
  std::string p(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

}  // namespace lnet::testing
