#include "lnet/train/trainer.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "lnet/core/error.hpp"
#include "lnet/core/text.hpp"
#include "lnet/model/model_file.hpp"
#include "lnet/model/prediction.hpp"
#include "lnet/train/convergence.hpp"
#include "lnet/train/engine_loss.hpp"
#include "lnet/util/atomic_file.hpp"
#include "lnet/util/directory_lock.hpp"
#include "lnet/util/jsonl_log.hpp"
#include "lnet/util/output_guard.hpp"
#include "lnet/util/plot.hpp"
#include "lnet/util/progress.hpp"

namespace lnet {

namespace {

void add_metrics(Metrics& m, const std::vector<const Structure*>& refs, const Batch& b,
                 const Prediction& p) {
  const std::vector<Evaluation> evals = split_prediction(b, p);
  for (std::size_t k = 0; k < refs.size(); ++k) m.add(*refs[k], evals[k]);
}

}  // namespace

Metrics evaluate(Potential& model, const std::vector<Structure>& data, int batch_size,
                 bool engine) {
  Metrics m;
  for (std::size_t k = 0; k < data.size(); k += batch_size) {
    std::vector<const Structure*> ptrs;
    for (std::size_t i = k; i < std::min(data.size(), k + batch_size); ++i)
      ptrs.push_back(&data[i]);
    Batch b = make_batch(ptrs, model->config());
    Request r = request_for(b, model->config(), nullptr);
    r.forces = true;
    add_metrics(m, ptrs, b, engine ? engine_predict(model, b, r) : model->forward(b, r));
  }
  return m;
}

namespace {

namespace fs = std::filesystem;

// Everything a run changes as it goes; the checkpoint stores all of it.
struct State {
  int epoch = 0;           // epochs completed
  int batch_in_epoch = 0;  // batches done in the current epoch
  long step = 0;
  double lr = 0;
  double best_score = std::numeric_limits<double>::infinity();
  int bad_epochs = 0, epochs_since_lr_change = 0;
  nlohmann::json history = nlohmann::json::array();
};

class Trainer {
 public:
  Trainer(const TrainConfig& c, const TrainOptions& o) : c_(c), o_(o) {}
  TrainResult run();

 private:
  void setup();
  void choose_engine();
  void check_outputs();
  void train_epoch();
  bool end_epoch(const Metrics& train_metrics);  // false: stop
  void update_ema();
  void save_checkpoint();
  void load_checkpoint();
  void finish(TrainResult& result);
  Error diverged(const std::string& what) const;
  std::string path(const std::string& name) const {
    return (fs::path(c_.output_dir) / name).string();
  }

  TrainConfig c_;
  TrainOptions o_;
  DataSplit data_;
  Potential model_{nullptr}, ema_{nullptr}, best_{nullptr};
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  State s_;
  std::unique_ptr<DirectoryLock> lock_;  // held while the run writes to output_dir
  std::unique_ptr<JsonlLog> log_;
  Metrics epoch_metrics_;
  bool stop_ = false;
  StopReason stop_reason_ = StopReason::epochs;  // why the epoch loop ended
  bool engine_ = false;  // loss gradients through the CPU engine (training.engine)
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

void Trainer::setup() {
  data_ = load_split(c_);
  std::vector<Structure> others = data_.valid;
  others.insert(others.end(), data_.test.begin(), data_.test.end());
  fit_statistics(data_.train, others, c_.model);
  spdlog::info("data: {} train, {} validation, {} test structures", data_.train.size(),
               data_.valid.size(), data_.test.size());
  choose_engine();
  torch::manual_seed(static_cast<uint64_t>(c_.seed));
  model_ = Potential(c_.model);
  ema_ = Potential(c_.model);
  best_ = Potential(c_.model);
  copy_weights(*ema_, *model_);
  copy_weights(*best_, *model_);
  optimizer_ = std::make_unique<torch::optim::AdamW>(
      model_->parameters(), torch::optim::AdamWOptions(c_.lr).weight_decay(c_.weight_decay));
  s_.lr = c_.lr;
  ensure_directory(c_.output_dir);
  lock_ = std::make_unique<DirectoryLock>(c_.output_dir, "train.lock");
  if (lock_->stale_pid())
    spdlog::warn("{}: took over the lock of PID {}, which is no longer running", lock_->path(),
                 lock_->stale_pid());
  check_outputs();
  if (o_.resume) load_checkpoint();
  log_ = std::make_unique<JsonlLog>(path("log.jsonl"), s_.history);
  long params = 0;
  for (const auto& p : model_->parameters()) params += p.numel();
  spdlog::info("model: {} parameters, {}, long range {}", params, c_.model.dtype,
               c_.model.long_range ? "on" : "off");
}

// training.engine against what the engine supports: `engine` insists (an error naming the
// missing capability), `auto` falls back to the reference and says why.
void Trainer::choose_engine() {
  const std::optional<std::string> why = engine_unsupported(c_.model, c_.loss);
  if (c_.engine == "engine" && why)
    throw InputError(c_.source.empty() ? "the config" : c_.source,
                     "training.engine: engine: the training engine does not support " + *why +
                         "; use training.engine: reference (or auto)");
  engine_ = c_.engine == "engine" || (c_.engine == "auto" && !why);
  if (engine_)
    spdlog::info("training engine: engine (CPU inference engine, exact gradients)");
  else if (c_.engine == "auto")
    spdlog::info("training engine: reference (torch autograd; the engine does not support {})",
                 *why);
  else
    spdlog::info("training engine: reference (torch autograd)");
}

void Trainer::check_outputs() {
  std::vector<std::string> inputs;
  for (const std::string* f : {&c_.source, &c_.train_file, &c_.valid_file, &c_.test_file})
    if (!f->empty()) inputs.push_back(*f);
  const std::string where = c_.source.empty() ? "the config" : c_.source;
  const std::vector<std::string> outputs = train_outputs(c_);
  // force = true: this check is only the input rule, which no flag lifts.
  OutputGuard{inputs, "output.dir (or output.model) in " + where, "--force", true}.check(outputs);
  if (o_.resume) return;  // continuing a run replaces its own outputs
  std::vector<std::string> earlier;
  for (const std::string& out : outputs) {
    std::error_code ec;
    if (fs::exists(out, ec) || fs::is_symlink(out, ec)) earlier.push_back(out);
  }
  if (earlier.empty()) return;
  if (!o_.force)
    throw InputError(c_.output_dir,
                     "holds the outputs of an earlier run (" + join(earlier) +
                         "); pass --resume to continue that run, --force to replace its "
                         "outputs, or choose another output.dir in " +
                         where);
  for (const std::string& out : earlier) {
    std::error_code ec;
    fs::remove(out, ec);
    if (ec) throw Error("--force: cannot remove '" + out + "' of an earlier run: " + ec.message());
  }
  spdlog::info("--force: removed the outputs of an earlier run in {}", c_.output_dir);
}

void Trainer::update_ema() {
  torch::NoGradGuard no_grad;
  // Short runs: the effective decay ramps up as (1 + t) / (10 + t), as in TF's EMA.
  const double d = std::min(c_.ema_decay, (1.0 + s_.step) / (10.0 + s_.step));
  auto e = ema_->parameters(), p = model_->parameters();
  for (std::size_t k = 0; k < e.size(); ++k) e[k].mul_(d).add_(p[k], 1 - d);
}

void Trainer::train_epoch() {
  auto batches = epoch_batches(data_.train.size(), c_.batch_size, c_.seed, s_.epoch);
  // Outside a terminal (logs, CI) the per-epoch table is the progress: no line per batch.
  const bool show = o_.progress && Progress::stderr_is_terminal();
  Progress bar("epoch " + std::to_string(s_.epoch + 1), batches.size());
  for (; s_.batch_in_epoch < static_cast<int>(batches.size()); ++s_.batch_in_epoch) {
    const auto refs = select(data_.train, batches[s_.batch_in_epoch]);
    Batch b = make_batch(refs, c_.model);
    Prediction p;
    torch::Tensor loss;
    try {
      if (engine_) {
        optimizer_->zero_grad();
        EngineLoss step = engine_loss(model_, b, c_.loss);  // sets the gradients
        p = std::move(step.prediction);
        loss = step.loss;
      } else {
        p = model_->forward(b, request_for(b, c_.model, &c_.loss));
        loss = loss_of(b, p, c_.loss);
      }
    } catch (const InputError&) {
      throw;  // a problem of the data or config, not of the weights
    } catch (const Error& e) {
      throw diverged(e.what());  // e.g. non-finite charges from a diverged network B
    }
    if (!std::isfinite(loss.item<double>())) throw diverged("the loss is not finite");
    if (!engine_) {
      optimizer_->zero_grad();
      loss.backward();
    }
    if (c_.grad_clip > 0) torch::nn::utils::clip_grad_norm_(model_->parameters(), c_.grad_clip);
    optimizer_->step();
    update_ema();
    ++s_.step;
    add_metrics(epoch_metrics_, refs, b, p);
    epoch_metrics_.loss_sum += loss.item<double>();
    ++epoch_metrics_.batches;
    if (show) bar.update(s_.batch_in_epoch + 1, fmt::format("loss {:.4g}", loss.item<double>()));
    if (c_.checkpoint_every > 0 && s_.step % c_.checkpoint_every == 0) {
      ++s_.batch_in_epoch;  // the checkpoint records this batch as done
      save_checkpoint();
      --s_.batch_in_epoch;
    }
    if (o_.stop_after_steps >= 0 && s_.step >= o_.stop_after_steps) {
      ++s_.batch_in_epoch;
      save_checkpoint();
      stop_ = true;
      return;
    }
  }
  if (show) bar.finish();
}

// Stops a diverging run: nothing after the last good state is saved, so the checkpoint and the
// model on disk stay those of the last finite epoch (or step checkpoint).
Error Trainer::diverged(const std::string& what) const {
  return Error("training diverged at epoch " + std::to_string(s_.epoch + 1) + ", step " +
               std::to_string(s_.step + 1) + " (batch " + std::to_string(s_.batch_in_epoch + 1) +
               "): " + what + "; the last checkpoint and best model in " + c_.output_dir +
               " are kept. Lower training.lr or set training.grad_clip");
}

bool Trainer::end_epoch(const Metrics& tm) {
  Metrics vm =
      evaluate(ema_, data_.valid.empty() ? data_.train : data_.valid, c_.batch_size, engine_);
  const double score = validation_score(vm, c_.loss);
  if (!std::isfinite(score)) throw diverged("the validation score is not finite");
  ++s_.epoch;
  s_.batch_in_epoch = 0;
  if (score < s_.best_score * (1 - 1e-4)) {
    s_.best_score = score;
    s_.bad_epochs = 0;
    copy_weights(*best_, *ema_);
    save_model(best_, path(c_.model_name));
  } else {
    ++s_.bad_epochs;
  }
  if (++s_.epochs_since_lr_change > c_.plateau_patience && s_.bad_epochs > c_.plateau_patience &&
      s_.lr > c_.min_lr) {
    s_.lr = std::max(c_.min_lr, s_.lr * c_.plateau_factor);
    s_.epochs_since_lr_change = 0;
    for (auto& g : optimizer_->param_groups())
      static_cast<torch::optim::AdamWOptions&>(g.options()).lr(s_.lr);
    spdlog::info("learning rate -> {:.3g}", s_.lr);
  }
  nlohmann::json row = {
      {"epoch", s_.epoch},     {"step", s_.step},
      {"lr", s_.lr},           {"train_loss", tm.loss_sum / std::max(1L, tm.batches)},
      {"train", tm.to_json()}, {"valid", vm.to_json()},
      {"valid_score", score}};
  s_.history.push_back(row);
  log_->write(row);
  *o_.report << vm.table("validation, epoch " + std::to_string(s_.epoch)) << std::flush;
  save_checkpoint();
  if (s_.bad_epochs >= c_.early_stopping_patience) {
    spdlog::info("early stopping: no improvement for {} epochs", s_.bad_epochs);
    stop_reason_ = StopReason::early_stopping;
    return false;
  }
  if (c_.max_minutes) {
    double minutes =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() / 60;
    if (minutes > *c_.max_minutes) {
      spdlog::info("time budget of {} minutes reached", *c_.max_minutes);
      stop_reason_ = StopReason::time_budget;
      return false;
    }
  }
  return true;
}

void write_state(torch::serialize::OutputArchive& a, const std::string& prefix,
                 torch::nn::Module& m) {
  for (const auto& p : m.named_parameters(true)) a.write(prefix + p.key(), p.value().detach());
  for (const auto& b : m.named_buffers(true)) a.write(prefix + b.key(), b.value(), true);
}

void read_state(torch::serialize::InputArchive& a, const std::string& prefix,
                torch::nn::Module& m) {
  torch::NoGradGuard no_grad;
  for (auto& p : m.named_parameters(true)) {
    torch::Tensor t;
    a.read(prefix + p.key(), t);
    p.value().copy_(t);
  }
}

void Trainer::save_checkpoint() {
  torch::serialize::OutputArchive a;
  nlohmann::json meta = {{"format_version", 1},
                         {"epoch", s_.epoch},
                         {"batch_in_epoch", s_.batch_in_epoch},
                         {"step", s_.step},
                         {"lr", s_.lr},
                         // JSON has no inf: null until a first validation score exists.
                         {"best_score", std::isfinite(s_.best_score) ? nlohmann::json(s_.best_score)
                                                                     : nlohmann::json(nullptr)},
                         {"bad_epochs", s_.bad_epochs},
                         {"epochs_since_lr_change", s_.epochs_since_lr_change},
                         {"history", s_.history},
                         {"model_config", c_.model}};
  a.write("meta", c10::IValue(meta.dump()));
  write_state(a, "model.", *model_);
  write_state(a, "ema.", *ema_);
  write_state(a, "best.", *best_);
  torch::serialize::OutputArchive opt;
  optimizer_->save(opt);
  a.write("optimizer", opt);
  // Serialised in memory, then written atomically: libtorch's file writer throws from its
  // destructor when a write fails (a full disk), which ends the process with std::terminate.
  std::ostringstream bytes;
  a.save_to(bytes);
  const std::string file = path("checkpoint.pt");
  try {
    write_file_atomic(file, bytes.str());
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (checkpoint; the previous one is kept)");
  }
}

void Trainer::load_checkpoint() {
  const std::string file = path("checkpoint.pt");
  if (!fs::exists(file)) throw InputError(file, "--resume: no checkpoint here");
  torch::serialize::InputArchive a;
  c10::IValue meta_value;
  try {
    a.load_from(file);
    a.read("meta", meta_value);
  } catch (const c10::Error& e) {
    throw InputError(file, "unreadable or corrupt checkpoint");
  }
  auto meta = nlohmann::json::parse(meta_value.toStringRef());
  if (meta.at("model_config").dump() != nlohmann::json(c_.model).dump())
    throw InputError(file,
                     "checkpoint was written for a different model or data set; "
                     "remove it or change output.dir");
  s_.epoch = meta.at("epoch");
  s_.batch_in_epoch = meta.at("batch_in_epoch");
  s_.step = meta.at("step");
  s_.lr = meta.at("lr");
  s_.best_score = meta.at("best_score").is_null() ? std::numeric_limits<double>::infinity()
                                                  : meta.at("best_score").get<double>();
  s_.bad_epochs = meta.at("bad_epochs");
  s_.epochs_since_lr_change = meta.at("epochs_since_lr_change");
  s_.history = meta.at("history");
  read_state(a, "model.", *model_);
  read_state(a, "ema.", *ema_);
  read_state(a, "best.", *best_);
  torch::serialize::InputArchive opt;
  a.read("optimizer", opt);
  optimizer_->load(opt);
  spdlog::info("resumed from {} at epoch {}, step {}", file, s_.epoch, s_.step);
}

void Trainer::finish(TrainResult& result) {
  result.model_path = path(c_.model_name);
  if (!std::isfinite(s_.best_score))
    throw Error("no finite validation score was reached in " + std::to_string(s_.epoch) +
                " epochs; no model written to " + result.model_path);
  if (!fs::exists(result.model_path)) save_model(best_, result.model_path);
  result.valid =
      evaluate(best_, data_.valid.empty() ? data_.train : data_.valid, c_.batch_size, engine_);
  std::ostream& out = *o_.report;
  out << result.valid.table("validation (best model)");
  if (!data_.test.empty()) {
    result.test = evaluate(best_, data_.test, c_.batch_size, engine_);
    out << result.test.table("test (best model)");
  }
  std::vector<double> scores, lrs;
  for (const auto& row : s_.history) {
    scores.push_back(row["valid_score"].get<double>());
    lrs.push_back(row["lr"].get<double>());
  }
  const double minutes =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() / 60;
  const ConvergenceReport conv =
      assess_convergence(scores, lrs, c_.lr, c_.min_lr, stop_reason_, minutes);
  out << conv.text << "\n";
  nlohmann::json summary = {{"model", result.model_path},
                            {"epochs", s_.epoch},
                            {"steps", s_.step},
                            {"valid", result.valid.to_json()},
                            {"test", result.test.to_json()},
                            {"convergence",
                             {{"converged", conv.converged},
                              {"stopped_by", to_string(conv.reason)},
                              {"recent_improvement", std::isfinite(conv.recent_improvement)
                                                         ? nlohmann::json(conv.recent_improvement)
                                                         : nullptr},
                              {"window_epochs", conv.window},
                              {"lr_decayed", conv.lr_decayed},
                              {"lr_at_floor", conv.lr_at_floor},
                              {"text", conv.text}}}};
  write_file_atomic(path("metrics.json"), summary.dump(2) + "\n");
  plot::Figure fig{"learning curve", "epoch", "error", true, false, {}};
  plot::Series loss{"train loss", {}, {}}, frmse{"valid force RMSE (eV/Å)", {}, {}};
  for (const auto& row : s_.history) {
    loss.x.push_back(row["epoch"]);
    loss.y.push_back(row["train_loss"]);
    if (row["valid"].contains("forces_meV_per_A")) {
      frmse.x.push_back(row["epoch"]);
      frmse.y.push_back(row["valid"]["forces_meV_per_A"]["rmse"].get<double>() / 1000);
    }
  }
  fig.series = {loss, frmse};
  plot::save_png(fig, path("learning_curve.png"));
  out << "model written to " << result.model_path << " (log, metrics and plots in " << c_.output_dir
      << ")\n";
}

TrainResult Trainer::run() {
  setup();
  while (s_.epoch < c_.epochs && !stop_) {
    epoch_metrics_ = Metrics();
    train_epoch();
    if (stop_ || !end_epoch(epoch_metrics_)) break;
  }
  TrainResult result;
  if (!stop_) finish(result);
  result.epochs_run = s_.epoch;
  result.steps = s_.step;
  return result;
}

}  // namespace

std::vector<std::string> train_outputs(const TrainConfig& c) {
  std::vector<std::string> out;
  for (const char* name : {"checkpoint.pt", "log.jsonl", "metrics.json", "learning_curve.png"})
    out.push_back((fs::path(c.output_dir) / name).string());
  out.push_back((fs::path(c.output_dir) / c.model_name).string());
  return out;
}

TrainResult train(const TrainConfig& config, const TrainOptions& options) {
  Trainer t(config, options);
  return t.run();
}

}  // namespace lnet
