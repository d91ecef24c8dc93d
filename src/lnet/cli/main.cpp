// lnet: one executable, one subcommand per file in this folder (DESIGN.md §4).
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "lnet/cli/commands.hpp"
#include "lnet/core/thread_environment.hpp"
#include "lnet/model/threads.hpp"

int main(int argc, char** argv) {
  lnet::ensure_thread_environment(argv);
  lnet::keep_freed_memory();
  CLI::App app{"lnet: machine-learning interatomic potentials with long-range electrostatics"};
  app.require_subcommand(1);
  int threads = 0;
  auto* threads_option =
      app.add_option("--threads", threads,
                     "CPU threads for libtorch (default: all cores; at most " +
                         std::to_string(lnet::kMaxThreadsPerCore) + " per core)");
  lnet::cli::register_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    // A given count follows the one rule of the Python module and LAMMPS (core/thread_environment):
    // <= 0 is an error, far above the cores is capped with a warning.
    if (threads_option->count() > 0)
      lnet::set_torch_threads(threads, "--threads");
    else
      lnet::set_torch_threads(std::max(1, static_cast<int>(std::thread::hardware_concurrency())));
    lnet::cli::run_selected(app);
  } catch (const std::exception& e) {
    std::cerr << "lnet: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
