// lnet: one executable, one subcommand per file in this folder (DESIGN.md §4).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "lnet/cli/commands.hpp"
#include "lnet/pch/torch_pch.hpp"

namespace {

// Debian's OpenBLAS reads OPENBLAS_NUM_THREADS when it is loaded and busy-waits with one
// thread per core otherwise, starving libtorch's own pool; libgomp's threads spin between
// parallel regions, which collapses throughput when cores are shared (measured 6x slower on a
// loaded 2-core machine). Both are read at load time, too late from main(), so re-execute once
// with them set. A user's own settings are kept.
void ensure_thread_environment(char** argv) {
  if (std::getenv("OPENBLAS_NUM_THREADS") && std::getenv("OMP_WAIT_POLICY")) return;
  setenv("OPENBLAS_NUM_THREADS", "1", 0);
  setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
  execv("/proc/self/exe", argv);  // returns only on failure; then carry on as we are
}

}  // namespace

int main(int argc, char** argv) {
  ensure_thread_environment(argv);
  CLI::App app{"lnet: machine-learning interatomic potentials with long-range electrostatics"};
  app.require_subcommand(1);
  int threads = 0;
  app.add_option("--threads", threads, "CPU threads for libtorch (default: all cores)");
  lnet::cli::register_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
    torch::set_num_threads(std::max(1, threads));
    lnet::cli::run_selected(app);
  } catch (const std::exception& e) {
    std::cerr << "lnet: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
