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
  bool progress = true;               // progress bar on stderr
  long stop_after_steps = -1;         // testing aid: stop (with a checkpoint) after this many steps
  std::ostream* report = &std::cout;  // metrics tables and the final summary
};

TrainResult train(const TrainConfig& config, const TrainOptions& options = {});

// Errors of `model` on `data`, evaluated in batches (training and validation; `lnet eval` goes
// through the calculator instead).
Metrics evaluate(Potential& model, const std::vector<Structure>& data, int batch_size);

}  // namespace lnet
