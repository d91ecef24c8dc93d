// `lnet eval model.lnet data.xyz [-o PREFIX] [--es-method M] [--es-accuracy A] [--quantity Q]`:
// errors of a model on labelled structures (the loop is run_eval, model/eval_run.hpp):
// predictions as extended XYZ (reference values under ref_ keys), metrics as JSON and parity
// plots.
#include <iostream>
#include <optional>

#include "lnet/cli/commands.hpp"
#include "lnet/cli/options.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/quantity.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/learn/committee.hpp"
#include "lnet/model/eval_run.hpp"
#include "lnet/util/output_guard.hpp"

namespace lnet::cli {

namespace {

LabelKeys label_keys(const std::vector<std::string>& items) {
  LabelKeys keys;
  for (const std::string& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos)
      throw InputError("--key", "expected LABEL=KEY, got '" + item + "'");
    keys.set(item.substr(0, eq), item.substr(eq + 1), "--key");
  }
  return keys;
}

}  // namespace

Action add_eval(CLI::App& app) {
  auto* cmd = app.add_subcommand("eval", "Errors of a model on labelled structures");
  auto model_path = std::make_shared<std::string>(), data_path = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>("eval");
  auto force = std::make_shared<bool>(false);
  auto key_options = std::make_shared<std::vector<std::string>>();
  auto es_method = std::make_shared<std::string>();
  auto es_accuracy = std::make_shared<double>(0);
  auto quantities = std::make_shared<std::vector<std::string>>();
  auto members = std::make_shared<std::vector<std::string>>();
  cmd->add_option("model", *model_path, "model file")->required()->check(CLI::ExistingFile);
  cmd->add_option("data", *data_path, "extended XYZ with labels")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", *out,
                  "output prefix: PREFIX.xyz (predictions; reference values under ref_ keys), "
                  "PREFIX.json (metrics), PREFIX_forces.png, PREFIX_bec.png, "
                  "PREFIX_polarization.png, PREFIX_polarizability.png (parity plots)")
      ->capture_default_str();
  cmd->add_flag("--force", *force, "replace the outputs of an earlier run");
  cmd->add_option("--key", *key_options,
                  "where a label lives in the data, LABEL=KEY (repeatable), e.g. --key "
                  "energy=total_energy --key bec=born_charge");
  cmd->add_option("--es-method", *es_method,
                  "electrostatics method instead of the model's: auto, ewald, pme or direct "
                  "(e.g. pme for cells much larger than those trained on)")
      ->check(CLI::IsMember({"auto", "ewald", "pme", "direct"}));
  cmd->add_option("--es-accuracy", *es_accuracy,
                  "relative force accuracy of the electrostatics instead of the model's, in (0, 1)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            double x = 0;
            std::size_t used = 0;
            try {
              x = std::stod(text, &used);
            } catch (const std::exception&) {
            }
            return used == text.size() && x > 0 && x < 1
                       ? ""
                       : "expected a number in (0, 1), got " + text;
          },
          "in (0, 1)"));
  cmd->add_option(
      "--quantity", *quantities,
      "also evaluate and write this quantity (repeatable), one of:\n" + quantity_table());
  cmd->add_option("--committee", *members,
                  "another member of a committee with `model` (repeatable): the predictions are "
                  "the committee mean, written with its spreads (committee_force_std per atom, "
                  "committee_force_std_max, committee_energy_std)")
      ->check(CLI::ExistingFile);
  return [=] {
    EvalOptions o;
    o.model_path = *model_path;
    o.data_path = *data_path;
    o.output = *out;
    o.quantities = *quantities;
    std::vector<std::string> inputs{*model_path, *data_path};
    inputs.insert(inputs.end(), members->begin(), members->end());
    OutputGuard guard{inputs, "-o/--output", "--force", *force};
    guard.check({*out + ".xyz", *out + ".json", *out + "_forces.png", *out + "_bec.png",
                 *out + "_polarization.png", *out + "_polarizability.png"});
    o.keys = label_keys(*key_options);
    CalculatorOptions options =
        run_calculator_options("", {*es_method, *es_accuracy}, CalculatorOptions().min_distance);
    options.es_method_setting = "--es-method";  // named in tuning errors
    options.es_accuracy_setting = "--es-accuracy";
    Calculator calc(*model_path, options);
    std::optional<Committee> committee;
    std::optional<CommitteeForceField> mean;
    if (!members->empty()) {
      std::vector<std::string> paths{*model_path};
      paths.insert(paths.end(), members->begin(), members->end());
      committee.emplace(Committee::load(paths, options));
      mean.emplace(*committee);
      o.committee = &*mean;
    }
    run_eval(calc, read_extxyz(*data_path, o.keys), o, std::cout);
  };
}

}  // namespace lnet::cli
