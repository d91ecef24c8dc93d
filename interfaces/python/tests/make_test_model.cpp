// Testing aid for the Python tests: writes a small untrained Na/Cl model with seeded random
// weights (there is no Python API to train).
//   lnet_make_test_model PATH [--short-range] [--tiny] [--seed N]
// Default: float64, long range with learned charge transfer and dipoles (as the C++ tests'
// small_config), electrostatics at 1e-8 so finite-difference checks test derivatives, not
// truncation.
// --tiny: narrower networks, for MD runs of hundreds of steps in seconds.
#include <cstdlib>
#include <iostream>
#include <string>

#include "lnet/model/model_file.hpp"
#include "lnet/model/potential.hpp"
#include "model/model_fixtures.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: lnet_make_test_model PATH [--short-range] [--tiny] [--seed N]\n";
    return 2;
  }
  lnet::ModelConfig c = lnet::testing::small_config(/*long_range=*/true, /*learn_charges=*/true);
  int seed = 7;
  for (int k = 2; k < argc; ++k) {
    const std::string arg = argv[k];
    if (arg == "--short-range") {
      c.long_range = false;
      c.learn_charges = false;
    } else if (arg == "--tiny") {
      c.network_a = {3.5, 6, 5, 1, 1, 4, 2, 1, 8};
      c.network_b = {3.0, 6, 5, 1, 1, 4, 1, 1, 8};
    } else if (arg == "--seed" && k + 1 < argc) {
      seed = std::atoi(argv[++k]);
    } else {
      std::cerr << "lnet_make_test_model: unknown argument '" << arg << "'\n";
      return 2;
    }
  }
  try {
    torch::manual_seed(seed);
    lnet::Potential model(c);
    lnet::save_model(model, argv[1]);
  } catch (const std::exception& e) {
    std::cerr << "lnet_make_test_model: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
