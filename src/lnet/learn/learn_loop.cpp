#include "lnet/learn/learn_loop.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>

#include "lnet/core/error.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/learn/committee.hpp"
#include "lnet/model/calculator.hpp"
#include "lnet/util/atomic_file.hpp"
#include "lnet/util/jsonl_log.hpp"
#include "lnet/util/output_guard.hpp"
#include "lnet/util/plot.hpp"

namespace lnet {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::vector<std::string>& stage_names() {
  static const std::vector<std::string> s = {"data",   "train", "explore",
                                             "select", "label", "report"};
  return s;
}

int stage_index(const std::string& stage) {
  const auto& s = stage_names();
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] == stage) return static_cast<int>(i);
  return -1;  // "": nothing done yet in this iteration
}

struct State {
  int iteration = 0;
  std::string done_stage;  // last finished stage of `iteration` ("" for none)
  bool finished = false;
  std::string stop_reason;
  std::vector<json> rows;
};

State load_state(const std::string& path) {
  State s;
  try {
    const json j = json::parse(read_file(path));
    s.iteration = j.at("iteration").get<int>();
    s.done_stage = j.at("done_stage").get<std::string>();
    s.finished = j.at("finished").get<bool>();
    s.stop_reason = j.at("stop_reason").get<std::string>();
    for (const json& r : j.at("rows")) s.rows.push_back(r);
  } catch (const json::exception& e) {
    throw InputError(path, std::string("not a state file of lnet learn: ") + e.what());
  }
  if (s.iteration < 0 || (!s.done_stage.empty() && stage_index(s.done_stage) < 0))
    throw InputError(path, "iteration or done_stage out of range");
  return s;
}

void save_state(const std::string& path, const State& s) {
  const json j = {{"format", 1},
                  {"iteration", s.iteration},
                  {"done_stage", s.done_stage},
                  {"finished", s.finished},
                  {"stop_reason", s.stop_reason},
                  {"rows", s.rows}};
  write_file_atomic(path, j.dump(1) + "\n");
}

std::string numbered(const std::string& prefix, int k) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%03d", prefix.c_str(), k);
  return buf;
}

std::vector<Structure> read_if_exists(const std::string& path) {
  return fs::exists(path) ? read_extxyz(path) : std::vector<Structure>{};
}

// DFT calls of the whole run (labelled or failed frames) and their seconds, from the files:
// what is on disk is what was done, whatever a kill interrupted.
std::pair<long, double> dft_done(const std::string& out) {
  long calls = 0;
  double seconds = 0;
  if (!fs::exists(out)) return {0, 0};
  for (const auto& it : fs::directory_iterator(out)) {
    const fs::path labels = it.path() / "labels";
    if (!fs::is_directory(labels)) continue;
    for (const auto& f : fs::directory_iterator(labels)) {
      if (fs::exists(f.path() / "failed.txt")) {
        ++calls;
      } else if (fs::exists(f.path() / "labelled.xyz")) {
        ++calls;
        const Structure s = read_extxyz((f.path() / "labelled.xyz").string()).front();
        auto t = s.info.find("learn_dft_seconds");
        if (t != s.info.end()) seconds += std::stod(t->second);
      }
    }
  }
  return {calls, seconds};
}

struct Errors {
  double force_rmse = std::numeric_limits<double>::quiet_NaN();  // eV/Å
  double energy_mae = std::numeric_limits<double>::quiet_NaN();  // eV/atom
  double bec_rmse = std::numeric_limits<double>::quiet_NaN();    // e
  long frames = 0;
};

Errors errors_of(Committee& committee, const std::vector<Structure>& frames) {
  Errors e;
  double f2 = 0, e1 = 0, b2 = 0;
  long nf = 0, ne = 0, nb = 0;
  for (const Structure& s : frames) {
    const bool bec = s.bec.has_value() && committee.has_dipole();
    const CommitteeEvaluation r =
        committee.evaluate(s, s.efield.value_or(Vec3::Zero()), bec, false);
    ++e.frames;
    if (s.energy) {
      e1 += std::abs(r.energy - *s.energy) / double(s.size());
      ++ne;
    }
    if (s.forces)
      for (std::size_t i = 0; i < s.size(); ++i) {
        f2 += (r.forces[i] - (*s.forces)[i]).squaredNorm();
        nf += 3;
      }
    if (bec)
      for (std::size_t i = 0; i < s.size(); ++i) {
        b2 += (r.bec[i] - (*s.bec)[i]).squaredNorm();
        nb += 9;
      }
  }
  if (nf) e.force_rmse = std::sqrt(f2 / double(nf));
  if (ne) e.energy_mae = e1 / double(ne);
  if (nb) e.bec_rmse = std::sqrt(b2 / double(nb));
  return e;
}

json errors_json(const Errors& e) {
  return {{"frames", e.frames},
          {"force_rmse", e.force_rmse},
          {"energy_mae_per_atom", e.energy_mae},
          {"bec_rmse", e.bec_rmse}};
}

void write_progress(const std::string& out, const std::vector<json>& rows) {
  JsonlLog log((fs::path(out) / "progress.jsonl").string(), rows);
  plot::Figure fig;
  fig.title = "lnet learn";
  fig.xlabel = "iteration";
  fig.ylabel = "force RMSE (meV/Å)";
  fig.logy = true;
  plot::Series fresh{"new frames, before training on them", {}, {}, plot::Series::Points};
  plot::Series test{"test data", {}, {}, plot::Series::Lines};
  for (const json& r : rows) {
    const double k = r.at("iteration").get<double>();
    auto value = [](const json& j) {
      return j.is_number() ? j.get<double>() * 1000 : std::numeric_limits<double>::quiet_NaN();
    };
    if (r.contains("new_frames")) {
      fresh.x.push_back(k);
      fresh.y.push_back(value(r["new_frames"]["force_rmse"]));
    }
    if (r.contains("test")) {
      test.x.push_back(k);
      test.y.push_back(value(r["test"]["force_rmse"]));
    }
  }
  if (!fresh.x.empty()) fig.series.push_back(fresh);
  if (!test.x.empty()) fig.series.push_back(test);
  if (!fig.series.empty()) plot::save_png(fig, (fs::path(out) / "learning_curve.png").string());
}

std::vector<std::string> model_paths(const LearnConfig& c, const std::string& iter_dir) {
  std::vector<std::string> out;
  for (int j = 0; j < c.committee; ++j)
    out.push_back(
        (fs::path(iter_dir) / "models" / ("member_" + std::to_string(j)) / c.training.model_name)
            .string());
  return out;
}

std::unique_ptr<DftDriver> make_driver(const LearnConfig& c) {
  if (c.driver == "qe") return std::make_unique<QeDriver>(c.qe, c.source);
  return std::make_unique<CommandDriver>(c.command, c.source + ": label.command");
}

// Frame j of an iteration also gets Born charges when the running share crosses an integer:
// born_fraction 0.3 -> frames 3, 6, 9, ... (1-based), spread over the selection.
bool wants_born(double fraction, std::size_t j) {
  return std::floor(double(j + 1) * fraction) > std::floor(double(j) * fraction);
}

void check_paths(const LearnConfig& c, const LearnOptions& o) {
  std::vector<std::string> inputs = {c.source, c.train_config_path, c.training.train_file};
  for (const std::string& f : {c.training.valid_file, c.training.test_file, c.test_data})
    if (!f.empty()) inputs.push_back(f);
  inputs.insert(inputs.end(), c.structures.begin(), c.structures.end());
  // Identity with an input is refused whatever --force says; replacing an earlier run is
  // decided below from state.json.
  OutputGuard guard{inputs, "output.dir", "--force", true};
  const fs::path out(c.output_dir);
  guard.check({(out / "state.json").string(), (out / "progress.jsonl").string(),
               (out / "learning_curve.png").string()});
  const fs::path out_abs = fs::weakly_canonical(out);
  for (const std::string& in : inputs) {
    const fs::path rel = fs::weakly_canonical(in).lexically_relative(out_abs);
    if (!rel.empty() && rel.begin()->string().rfind("iter_", 0) == 0)
      throw InputError(c.source, "input " + in + " lies in an iteration folder of output.dir " +
                                     c.output_dir + ", which a run writes");
  }
  const bool earlier = fs::exists(out / "state.json");
  if (earlier && !o.resume && !o.force)
    throw InputError(c.source, "output.dir " + c.output_dir +
                                   " holds an earlier run: --resume continues it, --force "
                                   "starts afresh");
  if (o.force && !o.resume && fs::exists(out)) {
    for (const auto& it : fs::directory_iterator(out)) {
      const std::string name = it.path().filename().string();
      if (name.rfind("iter_", 0) == 0 || name == "state.json" || name == "progress.jsonl" ||
          name == "learning_curve.png")
        fs::remove_all(it.path());
    }
  }
}

}  // namespace

LearnResult run_learn(const LearnConfig& c, const LearnOptions& o) {
  check_paths(c, o);
  const fs::path out(c.output_dir);
  ensure_directory(out.string());
  const std::string state_path = (out / "state.json").string();
  State st = fs::exists(state_path) ? load_state(state_path) : State{};
  const auto started = std::chrono::steady_clock::now();

  std::vector<Structure> starts;
  for (const std::string& f : c.structures)
    for (Structure& s : read_extxyz(f)) starts.push_back(std::move(s));
  if (starts.empty()) throw InputError(c.source, "explore.structures: no frame in the files");
  const std::vector<Structure> test =
      c.test_data.empty() ? std::vector<Structure>{} : read_extxyz(c.test_data);
  std::unique_ptr<DftDriver> driver = make_driver(c);

  std::optional<Committee> committee;
  int committee_of = -1;
  auto committee_at = [&](int k, const std::string& dir) -> Committee& {
    if (committee_of != k) {
      committee.reset();
      committee.emplace(Committee::load(model_paths(c, dir), CalculatorOptions()));
      committee_of = k;
    }
    return *committee;
  };

  LearnResult result;
  long labels_this_call = 0;
  while (!st.finished) {
    const int k = st.iteration;
    const fs::path dir = out / numbered("iter_", k);
    const std::string d = dir.string();
    auto done = [&](const std::string& stage) {
      return stage_index(st.done_stage) >= stage_index(stage);
    };
    auto finish = [&](const std::string& stage) {
      st.done_stage = stage;
      save_state(state_path, st);
      return o.stop_iteration == k && o.stop_after_stage == stage;
    };
    auto stop_run = [&](const std::string& reason) {
      st.finished = true;
      st.stop_reason = reason;
      json row = {{"iteration", k}, {"final", true}};
      if (!test.empty()) row["test"] = errors_json(errors_of(committee_at(k, d), test));
      st.rows.push_back(row);
      write_progress(out.string(), st.rows);
      save_state(state_path, st);
      spdlog::info("learn: stopped at iteration {}: {}", k, reason);
    };
    ensure_directory(d);

    if (!done("data")) {
      std::vector<Structure> data;
      if (k == 0) {
        data = read_extxyz(c.training.train_file, c.training.keys);
      } else {
        const fs::path prev = out / numbered("iter_", k - 1);
        data = read_extxyz((prev / "train.xyz").string());
        for (Structure& s : read_if_exists((prev / "labelled.xyz").string()))
          data.push_back(std::move(s));
      }
      write_extxyz((dir / "train.xyz").string(), data);
      if (finish("data")) return result;
    }
    if (!done("train")) {
      TrainConfig tc = c.training;
      tc.train_file = (dir / "train.xyz").string();
      tc.keys = LabelKeys{};  // train.xyz is written with lnet's own label names
      ensure_directory((dir / "models").string());
      std::ofstream log(dir / "models" / "train_report.txt", std::ios::app);
      TrainOptions to;
      to.progress = false;
      to.report = &log;
      train_committee(tc, c.committee, (dir / "models").string(), to);
      if (finish("train")) return result;
    }
    if (!done("explore")) {
      const auto [calls, seconds] = dft_done(out.string());
      const double minutes =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() / 60;
      if (k >= c.max_iterations) {
        stop_run("iteration budget spent (" + std::to_string(c.max_iterations) + ")");
        break;
      }
      if (calls >= c.max_dft_calls) {
        stop_run("DFT budget spent (" + std::to_string(calls) + " calls)");
        break;
      }
      if (c.max_minutes > 0 && minutes >= c.max_minutes) {
        stop_run("time budget spent (" + std::to_string(minutes) + " min in this call)");
        break;
      }
      ExploreConfig ec = c.explore;
      ec.seed = c.explore.seed + 7919 * k;  // new trajectories every iteration
      std::vector<Structure> frames;
      for (Snapshot& s : explore(starts, committee_at(k, d), ec))
        frames.push_back(std::move(s.structure));
      write_extxyz((dir / "explore.xyz").string(), frames);
      if (finish("explore")) return result;
    }
    if (!done("select")) {
      std::vector<Structure> frames = read_if_exists((dir / "explore.xyz").string());
      std::vector<double> spread;
      for (const Structure& s : frames)
        spread.push_back(snapshot_from_info(s, (dir / "explore.xyz").string()).force_std_max);
      const std::vector<Structure> known = read_extxyz((dir / "train.xyz").string());
      std::vector<Structure> chosen;
      for (std::size_t i : select_frames(frames, spread, c.select, known))
        chosen.push_back(frames[i]);
      write_extxyz((dir / "selected.xyz").string(), chosen);
      spdlog::info("learn: iteration {}: {} of {} explored frames selected", k, chosen.size(),
                   frames.size());
      if (finish("select")) return result;
    }
    const std::vector<Structure> selected = read_if_exists((dir / "selected.xyz").string());
    if (selected.empty()) {
      stop_run("nothing selected: every explored frame within the committee's agreement");
      break;
    }
    if (!done("label")) {
      std::vector<Structure> labelled;
      long calls = dft_done(out.string()).first;
      for (std::size_t j = 0; j < selected.size(); ++j) {
        const fs::path fdir = dir / "labels" / numbered("frame_", static_cast<int>(j));
        const fs::path file = fdir / "labelled.xyz";
        if (fs::exists(file)) {
          labelled.push_back(read_extxyz(file.string()).front());
          continue;
        }
        if (fs::exists(fdir / "failed.txt")) continue;
        if (calls >= c.max_dft_calls) break;
        if (o.stop_after_labels >= 0 && labels_this_call >= o.stop_after_labels) return result;
        ensure_directory(fdir.string());
        const auto t0 = std::chrono::steady_clock::now();
        try {
          Structure s = driver->label(selected[j], fdir.string(), wants_born(c.born_fraction, j));
          const double sec =
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          s.info["learn_dft_seconds"] = std::to_string(sec);
          write_extxyz(file.string(), {s});
          labelled.push_back(s);
        } catch (const Error& e) {
          // One failed calculation (no SCF convergence, a crashed job) costs its frame, not the
          // run; it is not retried on resume.
          spdlog::warn("learn: labelling {} failed: {}", fdir.string(), e.what());
          write_file_atomic((fdir / "failed.txt").string(), std::string(e.what()) + "\n");
        }
        ++calls;
        ++labels_this_call;
      }
      write_extxyz((dir / "labelled.xyz").string(), labelled);
      if (finish("label")) return result;
    }
    if (!done("report")) {
      const std::vector<Structure> fresh = read_if_exists((dir / "labelled.xyz").string());
      double seconds = 0;
      for (const Structure& s : fresh) {
        auto t = s.info.find("learn_dft_seconds");
        if (t != s.info.end()) seconds += std::stod(t->second);
      }
      const auto [calls, total_seconds] = dft_done(out.string());
      Committee& com = committee_at(k, d);
      json row = {{"iteration", k},
                  {"train_frames", read_extxyz((dir / "train.xyz").string()).size()},
                  {"explored", read_if_exists((dir / "explore.xyz").string()).size()},
                  {"selected", selected.size()},
                  {"labelled", fresh.size()},
                  {"dft_seconds", seconds},
                  {"dft_calls_total", calls},
                  {"dft_seconds_total", total_seconds},
                  {"new_frames", errors_json(errors_of(com, fresh))}};
      if (!test.empty()) row["test"] = errors_json(errors_of(com, test));
      st.rows.push_back(row);
      write_progress(out.string(), st.rows);
      if (o.report)
        *o.report << "learn: iteration " << k << ": " << selected.size() << " selected, "
                  << fresh.size() << " labelled in " << seconds << " s; force RMSE on them "
                  << row["new_frames"]["force_rmse"].dump() << " eV/Å before training on them\n";
      if (finish("report")) return result;
    }
    if (read_if_exists((dir / "labelled.xyz").string()).empty()) {
      // Every calculation failed or the DFT budget allowed none: another round would explore
      // with the same committee again.
      stop_run("no frame labelled in this iteration (see labels/*/failed.txt)");
      break;
    }
    st.iteration = k + 1;
    st.done_stage.clear();
    save_state(state_path, st);
  }
  const auto [calls, seconds] = dft_done(out.string());
  result.iterations = st.iteration + 1;
  result.dft_calls = calls;
  result.dft_seconds = seconds;
  result.models = model_paths(c, (out / numbered("iter_", st.iteration)).string());
  result.stop_reason = st.stop_reason;
  result.rows = st.rows;
  if (o.report)
    *o.report << "learn: " << st.stop_reason << "; final committee in "
              << (out / numbered("iter_", st.iteration) / "models").string() << "\n";
  return result;
}

}  // namespace lnet
