#include <iostream>

#include "lnet/cli/commands.hpp"
#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/io/key_value_line.hpp"
#include "lnet/io/reference_frame.hpp"
#include "lnet/model/model_file.hpp"
#include "lnet/train/labels.hpp"
#include "lnet/train/trainer.hpp"
#include "lnet/util/atomic_file.hpp"
#include "lnet/util/output_guard.hpp"
#include "lnet/util/plot.hpp"

namespace lnet::cli {

namespace {

Structure::Column real_column(const torch::Tensor& values) {
  Structure::Column c;
  c.type = 'R';
  auto v = values.to(torch::kFloat64).contiguous();
  c.ncols = v.dim() == 1 ? 1 : int(v.size(1));
  const double* d = v.data_ptr<double>();
  for (int64_t k = 0; k < v.numel(); ++k) c.values.push_back(format_double(d[k]));
  return c;
}

// The prediction file: the model's values under the usual keys (energy, forces, stress, bec,
// dipole, per-atom charges and dipoles), the reference values under ref_ keys (issue 13).
std::vector<Structure> prediction_frames(const std::vector<Structure>& data,
                                         const std::vector<Prediction>& preds, int batch_size) {
  std::vector<Structure> out;
  for (std::size_t k = 0; k < preds.size(); ++k) {
    const Prediction& p = preds[k];
    auto forces = p.forces.to(torch::kFloat64);
    int64_t atom = 0;
    for (int64_t b = 0; b < p.energy.size(0); ++b) {
      Structure s = reference_frame(data[k * batch_size + b]);
      const auto n = static_cast<int64_t>(s.size());
      s.energy = p.energy[b].item<double>();
      std::vector<Vec3> f(n);
      for (int64_t i = 0; i < n; ++i)
        for (int a = 0; a < 3; ++a) f[i](a) = forces[atom + i][a].item<double>();
      s.forces = f;
      if (p.stress.defined()) {
        auto st = p.stress[b].to(torch::kFloat64);
        Mat3 m;
        for (int a = 0; a < 3; ++a)
          for (int c = 0; c < 3; ++c) m(a, c) = st[a][c].item<double>();
        s.stress = m;
      }
      if (p.bec.defined()) {
        auto z = p.bec.narrow(0, atom, n).to(torch::kFloat64);
        std::vector<Mat3> bec(n);
        for (int64_t i = 0; i < n; ++i)
          for (int a = 0; a < 3; ++a)
            for (int c = 0; c < 3; ++c) bec[i](a, c) = z[i][a][c].item<double>();
        s.bec = bec;
      }
      if (p.polarization.defined()) {
        auto m = p.polarization[b].to(torch::kFloat64);
        s.dipole = Vec3(m[0].item<double>(), m[1].item<double>(), m[2].item<double>());
      }
      if (p.charges.defined())
        s.extra_arrays.emplace_back("charges", real_column(p.charges.narrow(0, atom, n)));
      if (p.dipoles.defined())
        s.extra_arrays.emplace_back("atomic_dipoles", real_column(p.dipoles.narrow(0, atom, n)));
      atom += n;
      out.push_back(std::move(s));
    }
  }
  return out;
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
    Potential model = load_model(*model_path);
    LabelKeys keys;
    for (const std::string& item : *key_options) {
      const auto eq = item.find('=');
      if (eq == std::string::npos)
        throw InputError("--key", "expected LABEL=KEY, got '" + item + "'");
      keys.set(item.substr(0, eq), item.substr(eq + 1), "--key");
    }
    std::vector<Structure> data = read_extxyz(*data_path, keys);
    if (data.empty()) throw InputError(*data_path, "no structures to evaluate");
    std::cout << label_summary(*data_path, data, keys) << "\n";
    const int batch = 8;
    std::vector<Prediction> preds;
    Metrics m = evaluate(model, data, batch, &preds);
    std::cout << m.table(*data_path);
    std::vector<Structure> predicted = prediction_frames(data, preds, batch);
    write_extxyz(xyz, predicted);
    write_file_atomic(json, m.to_json().dump(2) + "\n");
    parity_plot(data, predicted, "forces", forces_png);
    if (m.bec.count) parity_plot(data, predicted, "bec", bec_png);
    std::cout << "predictions in " << xyz << " (reference values under ref_ keys), metrics in "
              << json << "\n";
  };
}

}  // namespace lnet::cli
