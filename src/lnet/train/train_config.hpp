// The `lnet train` input file (YAML, strict: unknown keys are errors). See examples/*/train.yaml.
#pragma once
#include <optional>
#include <string>

#include "lnet/io/extxyz.hpp"
#include "lnet/model/model_config.hpp"

namespace lnet {

struct LossWeights {
  double energy = 1.0;        // per-atom energy, eV^-2
  double forces = 10.0;       // eV^-2 Å^2
  double stress = 0.0;        // (eV/Å^3)^-2
  double bec = 0.0;           // e^-2
  double polarization = 0.0;  // (e·Å)^-2, folded modulo the polarization quantum
  // (e·Å²/V)^-2 on the cell polarizability alpha_cell (polarizable models; labels:
  // polarizability, or epsilon_inf converted per frame with its volume)
  double polarizability = 0.0;
};

struct TrainConfig {
  std::string source;  // the YAML file, for messages
  // data
  std::string train_file, valid_file, test_file;  // valid/test empty: fractions of train_file
  double valid_fraction = 0.1, test_fraction = 0.1;
  int split_seed = 1;
  LabelKeys keys;  // where each label lives in the data files (data.keys)
  // model (fitted statistics are filled in by the trainer)
  ModelConfig model;
  // optimisation
  int epochs = 100;
  int batch_size = 4;
  double lr = 5e-3;
  double weight_decay = 0.0;
  double ema_decay = 0.99;
  double grad_clip = 10.0;  // max global gradient norm (0: off), against loss spikes
  LossWeights loss;
  double plateau_factor = 0.5;
  int plateau_patience = 5;
  double min_lr = 1e-5;
  int early_stopping_patience = 20;
  int checkpoint_every = 100;  // steps
  int seed = 1;
  std::optional<double> max_minutes;  // wall-time budget; stops cleanly at an epoch end
  // training.engine: how the loss gradient is computed. "engine": the CPU inference engine
  // (exact, short-range models); "reference": torch autograd, the oracle of the tests; "auto"
  // (default): the engine where it supports the model, else the reference, named in the log
  // (engine_loss.hpp). The engine is faster for both benchmark models at 1 and 2 threads
  // (bench/README.md, "Training step").
  std::string engine = "auto";
  // training.committee: train this many models, member k with seed + k into
  // <output_dir>/member_k (`lnet train`, src/lnet/learn/committee.hpp); their spread is the
  // uncertainty `lnet eval`, `lnet md` and `lnet learn` report.
  int committee = 1;
  // output
  std::string output_dir = "runs/lnet";
  std::string model_name = "model.lnet";
};

// Reads and validates a training config; relative data paths are relative to the YAML file.
TrainConfig load_train_config(const std::string& path);

}  // namespace lnet
