// `lnet ir` as a library function: the infrared absorption spectrum of one or more dipole series
// written by `lnet md` (dipole-derivative autocorrelation, ir_spectrum.hpp), its peaks and,
// optionally, the static dielectric constant from the zero-field runs' dipole fluctuations.
// Writes PREFIX.csv (spectrum), PREFIX.png (plot) and PREFIX.json (settings, peaks, eps_0); the
// report lines (peak table, eps_0) go to a caller-given stream.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "lnet/analysis/ir_spectrum.hpp"
#include "lnet/analysis/peaks.hpp"

namespace lnet::analysis {

struct IrRunConfig {
  std::vector<std::string> files;    // dipole series, averaged together
  std::string output = "ir";         // prefix of the three outputs
  std::string window = "hann";       // lag window (window.hpp)
  std::string quantum = "harmonic";  // quantum correction (ir_spectrum.hpp)
  std::string source = "rate";       // rate: the dM/dt columns; dipole: differentiate M
  double max_correlation_fs = 0.0;   // 0: default_max_correlation_fs
  double smoothing_cm = 0.0;         // FWHM of a Gaussian smoothing, 0: none
  double skip_fs = 0.0;              // equilibration dropped from each run
  double temperature_K = 0.0;        // 0: the thermostat target in the files, else their mean
  double volume_A3 = 0.0;            // 0: the files' mean volume
  // Set: also eps_0 = eps_inf + (<M²> - <M>²) / (3 eps_vac V kT) from the zero-field runs.
  std::optional<double> epsilon_inf;
  double peak_threshold = 0.05;  // peaks above this fraction of the highest
  double plot_max_cm = 0.0;      // 0: where the spectrum falls under 1 % of its maximum
  int zero_pad = 4;
  bool normalise = false;  // max = 1 instead of n alpha in cm^-1
  bool force = false;      // replace earlier outputs (never an input)
};

struct IrRun {
  IrSpectrum spectrum;
  std::vector<Peak> peaks;
  double temperature_K = 0, volume_A3 = 0;  // those used
  nlohmann::json report;                    // the contents of PREFIX.json
  std::vector<std::string> outputs;         // PREFIX.csv, PREFIX.png, PREFIX.json
};

// InputError naming the file or option for runs it cannot use (no temperature, no volume without
// --normalise, non-finite dM/dt), and before reading anything for an output that is an input.
IrRun run_ir(const IrRunConfig& config, std::ostream& report);

}  // namespace lnet::analysis
