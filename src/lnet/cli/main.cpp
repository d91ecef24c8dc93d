// lnet: one executable, one subcommand per file in this folder (DESIGN.md §4).
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "lnet/cli/commands.hpp"
#include "lnet/core/thread_environment.hpp"
#include "lnet/pch/torch_pch.hpp"

int main(int argc, char** argv) {
  lnet::ensure_thread_environment(argv);
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
