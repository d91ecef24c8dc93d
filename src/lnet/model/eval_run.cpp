#include "lnet/model/eval_run.hpp"

#include <c10/util/Exception.h>
#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <cmath>
#include <new>
#include <ostream>

#include "lnet/applicability/applicability_domain.hpp"
#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/quantity.hpp"
#include "lnet/io/label_checks.hpp"
#include "lnet/io/reference_frame.hpp"
#include "lnet/model/model_domain.hpp"
#include "lnet/util/atomic_file.hpp"
#include "lnet/util/plot.hpp"
#include "lnet/util/progress.hpp"

namespace lnet {

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

// Parity plot of a per-frame quantity: the nine components of alpha_cell (diagonal and
// off-diagonal as two series), or the three of the Born dipole M with the reference moved onto
// the model's branch (M_pred - fold(M_pred - M_ref)): M is defined modulo e·R in a periodic cell.
void frame_parity_plot(const std::vector<Structure>& ref, const std::vector<Evaluation>& pred,
                       const std::string& what, const std::string& path) {
  plot::Series diagonal{what == "polarizability" ? "diagonal" : "M components", {}, {}},
      off{"off-diagonal", {}, {}};
  diagonal.style = off.style = plot::Series::Points;
  for (std::size_t k = 0; k < ref.size(); ++k) {
    const Evaluation& e = pred[k];
    if (what == "polarizability") {
      const auto alpha = ref[k].polarizability_label();
      if (!alpha || !e.polarizability) continue;
      for (int c = 0; c < 9; ++c) {
        auto& series = c / 3 == c % 3 ? diagonal : off;
        series.x.push_back((*alpha)(c / 3, c % 3));
        series.y.push_back((*e.polarizability)(c / 3, c % 3));
      }
    } else {
      const auto m = ref[k].dipole_label();
      if (!m || !e.dipole) continue;
      const Vec3 on_branch =
          *e.dipole - fold_dipole(*e.dipole - *m, ref[k].periodic() ? ref[k].cell : Mat3::Zero());
      for (int a = 0; a < 3; ++a) {
        diagonal.x.push_back(on_branch(a));
        diagonal.y.push_back((*e.dipole)(a));
      }
    }
  }
  const std::string title = what == "polarizability" ? "alpha_cell parity (e·Å²/V)"
                                                     : "Born dipole M parity (e·Å, folded)";
  plot::Figure fig{title, "reference", "lnet", false, true, {}};
  for (const auto* series : {&diagonal, &off})
    if (!series->x.empty()) fig.series.push_back(*series);
  if (!fig.series.empty()) plot::save_png(fig, path);
}

// Per frame: the model's alpha_cell and epsilon_inf (JSON), for polarizable models.
nlohmann::json polarizability_frame(std::size_t k, const Evaluation& e) {
  auto rows = [](const Mat3& m) {
    std::vector<double> v;
    for (int c = 0; c < 9; ++c) v.push_back(m(c / 3, c % 3));
    return v;
  };
  nlohmann::json j = {{"frame", k + 1}, {"polarizability_eA2_per_V", rows(*e.polarizability)}};
  if (e.epsilon_inf) {
    j["epsilon_inf"] = rows(*e.epsilon_inf);
    j["epsilon_inf_iso"] = e.epsilon_inf->trace() / 3;
  }
  return j;
}

// One line on the model's epsilon_inf over the frames (trace / 3; periodic frames only).
std::string epsilon_summary(const std::vector<Evaluation>& frames) {
  double lo = 1e300, hi = -1e300, sum = 0;
  int n = 0;
  for (const Evaluation& e : frames)
    if (e.epsilon_inf) {
      const double v = e.epsilon_inf->trace() / 3;
      lo = std::min(lo, v), hi = std::max(hi, v), sum += v, ++n;
    }
  if (!n) return "";
  return fmt::format(
      "model epsilon_inf (trace/3): mean {:.4f}, range {:.4f} to {:.4f} over {} frames\n", sum / n,
      lo, hi, n);
}

// The calculator's evaluation of frame `k` (0-based) of `file`, every failure in one line naming
// the file and frame: input errors with their message, running out of memory (a large frame:
// std::bad_alloc from the engine, c10::Error from libtorch's allocator) without libtorch's
// backtrace.
Evaluation evaluate_frame(ForceField& calc, const Structure& ref, const EvalRequest& request,
                          const std::string& file, std::size_t k) {
  const std::string frame = "frame " + std::to_string(k + 1) + " of " + file;
  const std::string atoms = " (" + std::to_string(ref.size()) + " atoms)";
  auto out_of_memory = [&](const std::string& what) {
    return Error("out of memory evaluating " + frame + atoms + ": " + what);
  };
  try {
    return calc.evaluate(ref, ref.efield.value_or(Vec3::Zero()), request);
  } catch (const Error& err) {
    throw InputError(file + " frame " + std::to_string(k + 1), err.what());
  } catch (const std::bad_alloc& err) {
    throw out_of_memory(err.what());
  } catch (const c10::Error& err) {
    const std::string what = err.what_without_backtrace();
    const std::string first_line = what.substr(0, what.find('\n'));
    if (what.find("memory") != std::string::npos) throw out_of_memory(first_line);
    throw Error("evaluating " + frame + atoms + ": " + first_line);
  }
}

// Per frame: how far it lies outside the training set's domain.
void add_domain_keys(const ApplicabilityReport& r, Structure& frame) {
  frame.info["domain_novelty"] = fmt::format("{:.6g}", r.novelty);
  frame.info["domain_distance_ratio"] = fmt::format("{:.6g}", r.distance_ratio);
  Structure::Column column{'R', 1, {}};
  for (double v : r.atom_novelty) column.values.push_back(fmt::format("{:.6g}", v));
  frame.extra_arrays.emplace_back("domain_novelty", std::move(column));
}

// Frames outside the domain and the errors inside and outside it: extrapolation shows up as
// larger force errors on the frames flagged.
struct DomainSummary {
  ApplicabilityLimits limits;
  std::vector<std::size_t> frames;  // 1-based, outside
  double worst_novelty = -1;
  std::string worst;  // the most novel frame, described

  // Whether `frame` (1-based number k) lies outside.
  bool add(const ApplicabilityReport& r, const Structure& frame, std::size_t k) {
    if (r.novelty > worst_novelty) {
      worst_novelty = r.novelty;
      worst = "frame " + std::to_string(k) + ": " + r.describe(frame);
    }
    if (!r.outside(limits)) return false;
    frames.push_back(k);
    return true;
  }
  nlohmann::json to_json(const Metrics& inside, const Metrics& outside) const {
    return {{"limits", {{"novelty", limits.novelty}, {"distance_ratio", limits.distance_ratio}}},
            {"frames_outside", frames},
            {"most_novel", worst},
            {"inside", inside.to_json()},
            {"outside", outside.to_json()}};
  }
  std::string text(const Metrics& inside, const Metrics& outside, std::size_t total) const {
    std::string out = fmt::format(
        "training domain: {} of {} frames outside (novelty > {:g} or a contact shorter than any "
        "trained on)",
        frames.size(), total, limits.novelty);
    if (inside.forces.count && outside.forces.count)
      out += fmt::format("; force RMSE inside {:.1f}, outside {:.1f} meV/Å",
                         1000 * inside.forces.rmse(), 1000 * outside.forces.rmse());
    return out + "\n  most novel: " + worst + "\n";
  }
};

// A committee's largest force spread per frame against the frame's largest force error: a
// spread that tracks the error is an uncertainty worth selecting frames by.
struct CommitteeSummary {
  std::vector<double> spread, error;  // per frame with force labels, eV/Å
  double worst = -1;
  std::size_t worst_frame = 0;  // 1-based

  void add(const Evaluation& e, const Structure& ref, std::size_t k) {
    const auto it = e.extra.find("committee_force_std_max");
    if (it == e.extra.end() || it->second.empty()) return;
    const double s = it->second.front();
    if (s > worst) worst = s, worst_frame = k;
    if (!ref.forces) return;
    double err = 0;
    for (std::size_t i = 0; i < ref.size(); ++i)
      err = std::max(err, ((*ref.forces)[i] - e.forces[i]).norm());
    spread.push_back(s);
    error.push_back(err);
  }
  // Pearson correlation of spread and error over the frames (NaN for fewer than two or no
  // variation).
  double correlation() const {
    const double n = double(spread.size());
    if (n < 2) return std::nan("");
    double ms = 0, me = 0;
    for (std::size_t k = 0; k < spread.size(); ++k) ms += spread[k] / n, me += error[k] / n;
    double sse = 0, see = 0, sxe = 0;
    for (std::size_t k = 0; k < spread.size(); ++k) {
      sse += (spread[k] - ms) * (spread[k] - ms);
      see += (error[k] - me) * (error[k] - me);
      sxe += (spread[k] - ms) * (error[k] - me);
    }
    return sse > 0 && see > 0 ? sxe / std::sqrt(sse * see) : std::nan("");
  }
  nlohmann::json to_json() const {
    const double r = correlation();
    return {{"largest_force_std_max", worst},
            {"largest_frame", worst_frame},
            {"spread_error_correlation", std::isfinite(r) ? nlohmann::json(r) : nullptr}};
  }
  std::string text() const {
    return fmt::format(
        "committee: largest force spread {:.3g} eV/Å (frame {}); correlation of the per-frame "
        "largest spread with the largest force error: {:.2f}\n",
        worst, worst_frame, correlation());
  }
};

// The request of one frame: energy and forces, the virial of periodic frames, Born charges
// and the polarizability where the model has them, per-atom energies where an engine gives them,
// and the quantities asked for by name.
EvalRequest frame_request(Calculator& calc, const Structure& ref,
                          const std::vector<std::string>& names, bool committee) {
  EvalRequest request;
  request.virial = ref.periodic();
  request.bec = calc.has_dipole();
  // A committee averages energies, forces, virials, dipoles and Born charges only.
  request.polarizability = calc.has_polarizability() && !committee;
  // Per-atom energies where an engine gives them (the CPU engine: not polarizable models).
  request.atom_energies = !committee;
  request.atom_energies = request.atom_energies && calc.supports(request);
  for (const std::string& name : names) request.add(name);
  return request;
}

}  // namespace

EvalSummary run_eval(Calculator& calc, const std::vector<Structure>& data,
                     const EvalOptions& options, std::ostream& report) {
  const std::string& data_path = options.data_path;
  const std::string& out = options.output;
  const std::string xyz = out + ".xyz", json = out + ".json";
  const std::string forces_png = out + "_forces.png", bec_png = out + "_bec.png";
  const std::string m_png = out + "_polarization.png", alpha_png = out + "_polarizability.png";
  if (data.empty()) throw InputError(data_path, "no structures to evaluate");
  // Per-atom metrics divide by the atom count: an empty frame has no error to report.
  for (std::size_t k = 0; k < data.size(); ++k) {
    const std::string where = data_path + " frame " + std::to_string(k + 1);
    if (data[k].size() == 0)
      throw InputError(where, "the frame has no atoms (nothing to evaluate; remove it)");
    check_labels_finite(data[k], options.keys, where);
  }
  for (const std::string& name : options.quantities) {
    EvalRequest probe;  // an unknown name or one no engine gives: before the first frame
    probe.add(name);
    if (!calc.supports(probe))
      throw InputError("quantity " + name, "this model's engines cannot give it");
  }
  report << label_summary(data_path, data, options.keys) << "\n";
  const ApplicabilityDomain domain = model_domain(calc.info(), options.model_path);
  EvalSummary summary;
  Metrics& m = summary.metrics;
  Metrics inside, outside;
  DomainSummary outside_summary;
  CommitteeSummary spread;
  std::vector<Structure> predicted;
  std::vector<Evaluation> evaluations;  // per frame, per-frame values only
  nlohmann::json alpha_frames = nlohmann::json::array();
  Progress bar("eval", data.size());
  for (std::size_t k = 0; k < data.size(); ++k) {
    const Structure& ref = data[k];
    const EvalRequest request =
        frame_request(calc, ref, options.quantities, options.committee != nullptr);
    ForceField& ff = options.committee ? *options.committee : calc;
    ff.reset();  // an unrelated structure: fresh neighbour lists and electrostatics tuning
    Evaluation e = evaluate_frame(ff, ref, request, data_path, k);
    if (options.committee) spread.add(e, ref, k + 1);
    m.add(ref, e);
    predicted.push_back(prediction_frame(ref, e));
    if (e.polarizability) alpha_frames.push_back(polarizability_frame(k, e));
    if (!domain.empty()) {
      const ApplicabilityReport r = domain.assess(ref);
      add_domain_keys(r, predicted.back());
      (outside_summary.add(r, ref, k + 1) ? outside : inside).add(ref, e);
    }
    // Kept for the summary and the per-frame parity plots: the per-frame values only.
    Evaluation kept;
    kept.energy = e.energy;
    kept.virial = e.virial;
    kept.dipole = e.dipole;
    kept.polarizability = e.polarizability;
    kept.epsilon_inf = e.epsilon_inf;
    evaluations.push_back(std::move(kept));
    bar.update(k + 1);
  }
  bar.finish();
  report << m.table(data_path);
  nlohmann::json metrics = m.to_json();
  if (!alpha_frames.empty()) {
    metrics["frames"] = alpha_frames;
    report << epsilon_summary(evaluations);
  }
  if (options.committee) {
    metrics["committee"] = spread.to_json();
    report << spread.text();
  }
  if (!domain.empty()) {
    metrics["domain"] = outside_summary.to_json(inside, outside);
    report << outside_summary.text(inside, outside, data.size());
  }
  write_extxyz(xyz, predicted);
  write_file_atomic(json, metrics.dump(2) + "\n");
  parity_plot(data, predicted, "forces", forces_png);
  if (m.bec.count) parity_plot(data, predicted, "bec", bec_png);
  if (m.polarization.count) frame_parity_plot(data, evaluations, "polarization", m_png);
  if (m.polarizability.count) frame_parity_plot(data, evaluations, "polarizability", alpha_png);
  report << "predictions in " << xyz << " (reference values under ref_ keys), metrics in " << json
         << "\n";
  return summary;
}

}  // namespace lnet
