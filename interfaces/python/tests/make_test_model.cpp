// Testing aid for the Python tests: writes a small untrained Na/Cl model with seeded random
// weights (there is no Python API to train).
//   lnet_make_test_model PATH [--short-range] [--polarizable] [--tiny] [--seed N]
//                        [--domain FRAMES.xyz]
// Default: float64, long range with learned charge transfer and dipoles (as the C++ tests'
// small_config), electrostatics at 1e-8 so finite-difference checks test derivatives, not
// truncation.
// --tiny: narrower networks, for MD runs of hundreds of steps in seconds.
// --domain: records the applicability domain of FRAMES.xyz as if they were the training set.
#include <cstdlib>
#include <iostream>
#include <string>

#include "lnet/applicability/applicability_domain.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/model/model_file.hpp"
#include "lnet/model/potential.hpp"
#include "model/model_fixtures.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr
        << "usage: lnet_make_test_model PATH [--short-range] [--polarizable] [--tiny] [--seed N] "
           "[--domain FRAMES.xyz]\n";
    return 2;
  }
  lnet::ModelConfig c = lnet::testing::small_config(/*long_range=*/true, /*learn_charges=*/true);
  int seed = 7;
  std::string domain_frames;
  for (int k = 2; k < argc; ++k) {
    const std::string arg = argv[k];
    if (arg == "--short-range") {
      c.long_range = false;
      c.learn_charges = false;
    } else if (arg == "--polarizable") {  // induced dipoles; screening explicit (eps_s = 1)
      c.polarizable = true;
      c.epsilon_s = 1.0;
    } else if (arg == "--tiny") {
      c.network_a = {3.5, 6, 5, 1, 1, 4, 2, 1, 8};
      c.network_b = {3.0, 6, 5, 1, 1, 4, 1, 1, 8};
    } else if (arg == "--domain" && k + 1 < argc) {
      domain_frames = argv[++k];
    } else if (arg == "--seed" && k + 1 < argc) {
      seed = std::atoi(argv[++k]);
    } else {
      std::cerr << "lnet_make_test_model: unknown argument '" << arg << "'\n";
      return 2;
    }
  }
  try {
    if (!domain_frames.empty()) {
      const auto frames = lnet::read_extxyz(domain_frames);
      std::vector<const lnet::Structure*> ptr;
      for (const auto& f : frames) ptr.push_back(&f);
      c.applicability_domain =
          lnet::ApplicabilityDomain::fit(ptr, c.species, c.max_cutoff()).to_json();
    }
    torch::manual_seed(seed);
    lnet::Potential model(c);
    lnet::save_model(model, argv[1]);
  } catch (const std::exception& e) {
    std::cerr << "lnet_make_test_model: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
