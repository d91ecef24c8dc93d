#include "lnet/cli/commands.hpp"

#include <map>

#include "lnet/learn/committee.hpp"

namespace lnet::cli {
namespace {
std::map<CLI::App*, Action>& actions() {
  static std::map<CLI::App*, Action> a;
  return a;
}
}  // namespace

void register_commands(CLI::App& app) {
  // The quantities of committees are known to every command (md's trajectory_extra, eval's
  // --quantity, the help texts), whether or not this run has a committee.
  register_committee_quantities();
  using Adder = Action (*)(CLI::App&);
  for (Adder add : {&add_version, &add_electrostatics, &add_train, &add_eval, &add_convert, &add_md,
                    &add_ir, &add_dielectric, &add_relax, &add_phonon, &add_learn}) {
    std::size_t before = app.get_subcommands({}).size();
    Action action = add(app);
    actions()[app.get_subcommands({}).at(before)] = std::move(action);
  }
}

void run_selected(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands())
    if (auto it = actions().find(sub); it != actions().end()) it->second();
}

}  // namespace lnet::cli
