// `lnet train`: AdamW on the loss of DESIGN.md §2, EMA of the weights, plateau learning-rate
// schedule, early stopping, checkpoints that resume bit-identically, logs and plots.
#pragma once
#include <iostream>
#include <memory>

#include "lnet/train/dataset.hpp"
#include "lnet/train/loss.hpp"

namespace lnet {

struct TrainResult {
  Metrics valid, test;  // of the final (best EMA) model
  std::string model_path;
  int epochs_run = 0;
  long steps = 0;
};

struct TrainOptions {
  bool resume = false;                // continue from <output_dir>/checkpoint.pt
  bool force = false;                 // replace the outputs an earlier run left in output_dir
  bool progress = true;               // progress bar on stderr, when it is a terminal
  long stop_after_steps = -1;         // testing aid: stop (with a checkpoint) after this many steps
  std::ostream* report = &std::cout;  // metrics tables and the final summary
};

// Refuses (InputError, before anything is written) an output that is one of the run's inputs
// (config, data files), whatever `force` says, and an output folder holding an earlier run's
// outputs unless `resume` or `force`; with `force` those earlier outputs are removed first, so
// that no stale metric or plot is left beside the new model.
TrainResult train(const TrainConfig& config, const TrainOptions& options = {});

// The files a run writes into config.output_dir (the lock aside).
std::vector<std::string> train_outputs(const TrainConfig& config);

// Errors of `model` on `data`, evaluated in batches (training and validation; `lnet eval` goes
// through the calculator instead) by the reference or, with `engine`, by the training engine
// (engine_predict; equal to rounding).
Metrics evaluate(Potential& model, const std::vector<Structure>& data, int batch_size,
                 bool engine = false);

}  // namespace lnet
