#include <iostream>

#include "lnet/cli/commands.hpp"

namespace lnet::cli {

Action add_version(CLI::App& app) {
  app.add_subcommand("version", "Print the lnet version");
  return [] { std::cout << "lnet 0.1.0\n"; };
}

}  // namespace lnet::cli
