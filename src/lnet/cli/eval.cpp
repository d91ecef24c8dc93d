#include <iostream>

#include "lnet/cli/commands.hpp"
#include "lnet/core/elements.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/model/model_file.hpp"
#include "lnet/train/trainer.hpp"
#include "lnet/util/atomic_file.hpp"
#include "lnet/util/plot.hpp"

namespace lnet::cli {

namespace {

// Copies predictions into the structures (replacing labels) for writing.
void store_predictions(std::vector<Structure>& data, const std::vector<Prediction>& preds,
                       int batch_size) {
  for (std::size_t k = 0; k < preds.size(); ++k) {
    const Prediction& p = preds[k];
    int64_t atom = 0;
    for (std::size_t b = 0; b < static_cast<std::size_t>(p.energy.size(0)); ++b) {
      Structure& s = data[k * batch_size + b];
      s.energy = p.energy[b].item<double>();
      std::vector<Vec3> f(s.size());
      std::vector<Mat3> z(s.size());
      for (std::size_t i = 0; i < s.size(); ++i, ++atom) {
        for (int a = 0; a < 3; ++a) f[i](a) = p.forces[atom][a].item<double>();
        if (p.bec.defined())
          for (int a = 0; a < 3; ++a)
            for (int c = 0; c < 3; ++c) z[i](a, c) = p.bec[atom][a][c].item<double>();
      }
      s.forces = f;
      if (p.bec.defined()) s.bec = z;
      s.stress.reset();
      s.virial.reset();
      if (p.polarization.defined())
        s.dipole = Vec3(p.polarization[b][0].item<double>(), p.polarization[b][1].item<double>(),
                        p.polarization[b][2].item<double>());
    }
  }
}

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
      if (what == "forces" && ref[k].forces)
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

}  // namespace

Action add_eval(CLI::App& app) {
  auto* cmd = app.add_subcommand("eval", "Errors of a model on labelled structures");
  auto model_path = std::make_shared<std::string>(), data_path = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>("eval");
  cmd->add_option("model", *model_path, "model file")->required()->check(CLI::ExistingFile);
  cmd->add_option("data", *data_path, "extended XYZ with labels")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", *out, "output prefix for predictions (.xyz), metrics (.json), plots");
  return [=] {
    Potential model = load_model(*model_path);
    std::vector<Structure> data = read_extxyz(*data_path);
    const int batch = 8;
    std::vector<Prediction> preds;
    Metrics m = evaluate(model, data, batch, &preds);
    std::cout << m.table(*data_path);
    std::vector<Structure> predicted = data;
    store_predictions(predicted, preds, batch);
    write_extxyz(*out + ".xyz", predicted);
    write_file_atomic(*out + ".json", m.to_json().dump(2) + "\n");
    parity_plot(data, predicted, "forces", *out + "_forces.png");
    if (m.bec.count) parity_plot(data, predicted, "bec", *out + "_bec.png");
    std::cout << "predictions in " << *out << ".xyz, metrics in " << *out << ".json\n";
  };
}

}  // namespace lnet::cli
