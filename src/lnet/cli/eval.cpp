// `lnet eval model.lnet data.xyz [-o PREFIX]`: errors of a model on labelled structures through
// the inference calculator, predictions as extended XYZ (reference values under ref_ keys),
// metrics as JSON and parity plots.
#include <iostream>

#include "lnet/analysis/metrics.hpp"
#include "lnet/cli/commands.hpp"
#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/io/reference_frame.hpp"
#include "lnet/model/calculator.hpp"
#include "lnet/util/atomic_file.hpp"
#include "lnet/util/output_guard.hpp"
#include "lnet/util/plot.hpp"
#include "lnet/util/progress.hpp"

namespace lnet::cli {

namespace {

void parity_plot(const std::vector<Structure>& ref, const std::vector<Structure>& pred,
                 const std::string& what, const std::string& path) {
  std::map<int, plot::Series> by_species;
  plot::Figure fig{what + " parity", "reference", "lnet", false, true, {}};
  for (std::size_t k = 0; k < ref.size(); ++k)
    for (std::size_t i = 0; i < ref[k].size(); ++i) {
      int z = ref[k].numbers[i];
      auto& series = by_species[z];
      series.label = element_symbol(z);
      series.style = plot::Series::Points;
      if (what == "forces" && ref[k].forces && pred[k].forces)
        for (int a = 0; a < 3; ++a) {
          series.x.push_back((*ref[k].forces)[i](a));
          series.y.push_back((*pred[k].forces)[i](a));
        }
      if (what == "bec" && ref[k].bec && pred[k].bec)
        for (int a = 0; a < 9; ++a) {
          series.x.push_back((*ref[k].bec)[i](a / 3, a % 3));
          series.y.push_back((*pred[k].bec)[i](a / 3, a % 3));
        }
    }
  for (auto& [z, s] : by_species)
    if (!s.x.empty()) fig.series.push_back(s);
  if (!fig.series.empty()) plot::save_png(fig, path);
}

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
  cmd->add_option("model", *model_path, "model file")->required()->check(CLI::ExistingFile);
  cmd->add_option("data", *data_path, "extended XYZ with labels")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", *out,
                  "output prefix: PREFIX.xyz (predictions; reference values under ref_ keys), "
                  "PREFIX.json (metrics), PREFIX_forces.png, PREFIX_bec.png (parity plots)")
      ->capture_default_str();
  cmd->add_flag("--force", *force, "replace the outputs of an earlier run");
  cmd->add_option("--key", *key_options,
                  "where a label lives in the data, LABEL=KEY (repeatable), e.g. --key "
                  "energy=total_energy --key bec=born_charge");
  return [=] {
    const std::string xyz = *out + ".xyz", json = *out + ".json";
    const std::string forces_png = *out + "_forces.png", bec_png = *out + "_bec.png";
    OutputGuard guard{{*model_path, *data_path}, "-o/--output", "--force", *force};
    guard.check({xyz, json, forces_png, bec_png});
    const LabelKeys keys = label_keys(*key_options);
    Calculator calc(*model_path);
    const std::vector<Structure> data = read_extxyz(*data_path, keys);
    if (data.empty()) throw InputError(*data_path, "no structures to evaluate");
    std::cout << label_summary(*data_path, data, keys) << "\n";
    Metrics m;
    std::vector<Structure> predicted;
    Progress bar("eval", data.size());
    for (std::size_t k = 0; k < data.size(); ++k) {
      const Structure& ref = data[k];
      EvalRequest request;
      request.virial = ref.periodic();
      request.bec = calc.has_dipole();
      calc.reset();  // an unrelated structure: fresh neighbour list and electrostatics tuning
      Evaluation e;
      try {
        e = calc.evaluate(ref, ref.efield.value_or(Vec3::Zero()), request);
      } catch (const Error& err) {
        throw InputError(*data_path + " frame " + std::to_string(k + 1), err.what());
      }
      m.add(ref, e);
      predicted.push_back(prediction_frame(ref, e));
      bar.update(k + 1);
    }
    bar.finish();
    std::cout << m.table(*data_path);
    write_extxyz(xyz, predicted);
    write_file_atomic(json, m.to_json().dump(2) + "\n");
    parity_plot(data, predicted, "forces", forces_png);
    if (m.bec.count) parity_plot(data, predicted, "bec", bec_png);
    std::cout << "predictions in " << xyz << " (reference values under ref_ keys), metrics in "
              << json << "\n";
  };
}

}  // namespace lnet::cli
