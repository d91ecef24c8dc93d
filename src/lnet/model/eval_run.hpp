// The loop of `lnet eval`: a model's errors on labelled structures through the calculator, one
// frame at a time, written as prediction frames (extended XYZ: every quantity of the registry,
// core/quantity.hpp, reference values under ref_ keys), metrics (JSON, with the training domain
// where the model records one) and parity plots. The command line parses and prints only.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

#include "lnet/analysis/metrics.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/model/calculator.hpp"

namespace lnet {

struct EvalOptions {
  std::string model_path;  // the calculator's model file (its training domain)
  std::string data_path;   // where the frames come from, named in messages
  LabelKeys keys;          // where the labels live in the data (label checks, summary)
  // Output prefix: PREFIX.xyz (predictions), PREFIX.json (metrics), PREFIX_forces.png,
  // PREFIX_bec.png, PREFIX_polarization.png, PREFIX_polarizability.png (parity plots).
  std::string output = "eval";
  // Quantities to evaluate and write besides the default ones (energy, forces, the stress of
  // periodic frames, what the model's kind gives, per-atom energies where an engine has them),
  // by registry name; an unknown name or one no engine can give is an InputError.
  std::vector<std::string> quantities;
  // A committee's mean force field (learn/committee.hpp) whose first member is the calculator's
  // model: the predictions are the committee mean, written with the spreads it gives
  // (committee_force_std per atom, ...), and the summary relates the spread to the error. The
  // calculator still gives the capabilities and the training domain. Null: the calculator.
  ForceField* committee = nullptr;
};

struct EvalSummary {
  Metrics metrics;  // over every frame
};

// Evaluates `frames` (labels as read with options.keys), writes the outputs and reports to
// `report` what `lnet eval` prints. InputError naming the file and frame for an empty frame,
// non-finite labels, or a frame the calculator cannot evaluate; lnet::Error for running out of
// memory on a frame.
EvalSummary run_eval(Calculator& calc, const std::vector<Structure>& frames,
                     const EvalOptions& options, std::ostream& report);

}  // namespace lnet
