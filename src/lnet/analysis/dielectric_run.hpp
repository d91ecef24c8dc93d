// `lnet dielectric` as a library function: the static dielectric constant of dipole series
// written by `lnet md`, in tin-foil boundary conditions (dielectric.hpp):
//  - runs at zero field: eps_0 = eps_inf + (<M²> - <M>²) / (3 eps_vac V kT) (fluctuations);
//  - runs under static fields along x, y or z: the line <M_a>(E_b),
//    eps_ab = eps_inf d_ab + (d<M_a>/dE_b) / (eps_vac V).
// The report lines go to a caller-given stream; the JSON report is returned and, when an output
// path is given, written there.
#pragma once
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace lnet::analysis {

struct DielectricRunConfig {
  std::vector<std::string> files;  // one static field per run
  std::string output;              // JSON report; empty: none
  double epsilon_inf = 1.0;        // electronic part added to the nuclear response
  double skip_fs = 0.0;            // equilibration dropped from each run
  double temperature_K = 0.0;      // 0: thermostat target, else the mean temperature
  double volume_A3 = 0.0;          // 0: the files' mean volume
  bool force = false;              // replace an earlier output (never an input)
};

// InputError naming the file for a field that changes during a run, a zero volume, or runs
// that give nothing to compute (no zero-field run and no axis with two field values).
nlohmann::json run_dielectric(const DielectricRunConfig& config, std::ostream& report);

}  // namespace lnet::analysis
