#include <spdlog/spdlog.h>

#include "lnet/cli/commands.hpp"
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
    train(c, *options);
  };
}

}  // namespace lnet::cli
