#include <spdlog/spdlog.h>

#include <iostream>

#include "lnet/cli/commands.hpp"
#include "lnet/learn/committee.hpp"
#include "lnet/train/trainer.hpp"

namespace lnet::cli {

Action add_train(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Train a model from a YAML config (see examples/)");
  auto config = std::make_shared<std::string>();
  auto options = std::make_shared<TrainOptions>();
  cmd->add_option("config", *config, "training config (YAML)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_flag("--resume", options->resume,
                "continue from the checkpoint in the output directory");
  cmd->add_flag("--force", options->force,
                "replace the outputs an earlier run left in output.dir (never the inputs)");
  cmd->add_flag("!--no-progress", options->progress, "no progress bar");
  return [config, options] {
    TrainConfig c = load_train_config(*config);
    if (c.committee == 1) {
      train(c, *options);
      return;
    }
    std::cout << "committee of " << c.committee << " models:";
    for (const std::string& model : train_committee_run(c, *options)) std::cout << ' ' << model;
    std::cout << "\n";
  };
}

}  // namespace lnet::cli
