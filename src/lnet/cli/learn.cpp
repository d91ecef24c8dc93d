// `lnet learn config.yaml [--resume | --force]`: active learning (src/lnet/learn): a committee
// of models explores, the frames it disagrees on are labelled by DFT and added to the data.
#include <iostream>

#include "lnet/cli/commands.hpp"
#include "lnet/learn/learn_loop.hpp"

namespace lnet::cli {

Action add_learn(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "learn", "Active learning: committee MD, uncertain frames labelled by DFT, retraining");
  auto config = std::make_shared<std::string>();
  auto options = std::make_shared<LearnOptions>();
  cmd->add_option("config", *config, "learn config (YAML)")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--resume", options->resume, "continue the run in output.dir where it stopped");
  cmd->add_flag("--force", options->force,
                "start afresh, removing an earlier run's iteration folders in output.dir");
  return [=] {
    const LearnConfig c = load_learn_config(*config);
    LearnOptions o = *options;
    o.report = &std::cout;
    const LearnResult r = run_learn(c, o);
    std::cout << "learn: " << r.iterations << " iterations, " << r.dft_calls << " DFT calls ("
              << r.dft_seconds << " s); progress in " << c.output_dir << "/progress.jsonl\n";
  };
}

}  // namespace lnet::cli
