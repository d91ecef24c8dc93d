#include "lnet/train/train_config.hpp"

#include <cmath>
#include <filesystem>
#include <sstream>

#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/util/yaml_section.hpp"

namespace lnet {

namespace {

// The keys are the spec's (infer::for_each_field), so a new hyperparameter needs no line here.
infer::NetworkSpec read_network(const YamlSection& s, infer::NetworkSpec h) {
  std::vector<std::string> keys;
  infer::for_each_field(h, [&](const char* key, const auto&) { keys.emplace_back(key); });
  s.check_keys(keys);
  infer::for_each_field(h, [&](const char* key, auto& v) { v = s.get(key, v); });
  return h;
}

std::map<int, double> per_element(const YamlSection& s, const std::string& key) {
  std::map<int, double> out;
  for (const auto& [symbol, value] : s.get(key, std::map<std::string, double>{})) {
    try {
      out[atomic_number(symbol)] = value;
    } catch (const InputError&) {
      throw InputError(s.where(), key + ": unknown element '" + symbol + "'");
    }
  }
  return out;
}

// data.keys: {energy: total_energy, bec: born_charge, ...}: where each label lives.
LabelKeys read_label_keys(const YamlSection& s) {
  std::vector<std::string> labels;
  for (const auto& [label, member] : LabelKeys::labels()) labels.push_back(label);
  s.check_keys(labels);
  LabelKeys keys;
  for (const std::string& label : s.keys()) keys.set(label, s.get(label, std::string()), s.where());
  return keys;
}

void read_model(const YamlSection& s, ModelConfig& m) {
  s.check_keys({"dtype", "network_a", "long_range", "network_b", "learn_charges", "charges",
                "sigma", "epsilon_s", "electrostatics", "polarizable", "anisotropic_polarizability",
                "induction_tolerance"});
  m.dtype = s.get("dtype", m.dtype);
  m.network_a = read_network(s.section("network_a"), m.network_a);
  m.long_range = s.get("long_range", m.long_range);
  m.network_b = read_network(s.section("network_b"), m.network_b);
  m.learn_charges = s.get("learn_charges", m.learn_charges);
  m.charges = per_element(s, "charges");
  m.sigma = per_element(s, "sigma");
  m.epsilon_s = s.get("epsilon_s", m.epsilon_s);
  m.polarizable = s.get("polarizable", m.polarizable);
  m.anisotropic_polarizability = s.get("anisotropic_polarizability", m.anisotropic_polarizability);
  m.induction_tolerance = s.get("induction_tolerance", m.induction_tolerance);
  YamlSection es = s.section("electrostatics");
  es.check_keys({"accuracy", "method"});
  m.es_accuracy = es.get("accuracy", m.es_accuracy);
  m.es_method = es.get("method", m.es_method);
  // Ranges live in one place, shared with the model-file reader (model_config.hpp).
  if (auto q = find_problem(m)) {
    std::string key = q->field;
    if (key == "es_accuracy") key = "electrostatics.accuracy";
    if (key == "es_method") key = "electrostatics.method";
    throw InputError(s.where(), key + ": " + q->what);
  }
}

// Ranges of the training settings; every message names the key. Written as !(x > lo) so that
// NaN (YAML .nan) fails too.
void check_training(const YamlSection& s, const TrainConfig& c) {
  auto bad = [&](const std::string& key, const std::string& what, double value) {
    std::ostringstream os;
    os << key << ": " << what << ", got " << value;
    return InputError(s.where(), os.str());
  };
  if (c.epochs < 1) throw bad("epochs", "must be >= 1", c.epochs);
  if (c.batch_size < 1) throw bad("batch_size", "must be >= 1", c.batch_size);
  if (!(c.lr > 0 && std::isfinite(c.lr))) throw bad("lr", "must be positive and finite", c.lr);
  if (!(c.weight_decay >= 0)) throw bad("weight_decay", "must be >= 0", c.weight_decay);
  if (!(c.grad_clip >= 0)) throw bad("grad_clip", "must be >= 0 (0 switches it off)", c.grad_clip);
  if (!(c.ema_decay >= 0 && c.ema_decay < 1))
    throw bad("ema_decay", "must be in [0, 1)", c.ema_decay);
  const std::pair<const char*, double> weights[] = {{"loss.energy", c.loss.energy},
                                                    {"loss.forces", c.loss.forces},
                                                    {"loss.stress", c.loss.stress},
                                                    {"loss.bec", c.loss.bec},
                                                    {"loss.polarization", c.loss.polarization},
                                                    {"loss.polarizability", c.loss.polarizability}};
  double total = 0;
  for (const auto& [key, w] : weights) {
    if (!(w >= 0 && std::isfinite(w))) throw bad(key, "must be >= 0 and finite", w);
    total += w;
  }
  if (total == 0)
    throw InputError(s.where(), "loss: all weights are zero, nothing would be fitted");
  if (!(c.plateau_factor > 0 && c.plateau_factor < 1))
    throw bad("scheduler.factor", "must be in (0, 1)", c.plateau_factor);
  if (c.plateau_patience < 1) throw bad("scheduler.patience", "must be >= 1", c.plateau_patience);
  if (!(c.min_lr >= 0)) throw bad("scheduler.min_lr", "must be >= 0", c.min_lr);
  if (c.early_stopping_patience < 1)
    throw bad("early_stopping_patience", "must be >= 1", c.early_stopping_patience);
  // 0 keeps checkpoints to epoch ends only (they are always written there).
  if (c.checkpoint_every < 0)
    throw bad("checkpoint_every", "must be >= 1 step, or 0 for epoch ends only",
              c.checkpoint_every);
  if (c.committee < 1) throw bad("committee", "must be >= 1 model", c.committee);
  if (c.max_minutes && !(*c.max_minutes > 0 && std::isfinite(*c.max_minutes)))
    throw bad("max_minutes", "must be positive and finite", *c.max_minutes);
}

void read_training(const YamlSection& s, TrainConfig& c) {
  s.check_keys({"epochs", "batch_size", "lr", "weight_decay", "ema_decay", "grad_clip", "loss",
                "scheduler", "early_stopping_patience", "checkpoint_every", "seed", "max_minutes",
                "engine", "committee"});
  c.epochs = s.get("epochs", c.epochs);
  c.batch_size = s.get("batch_size", c.batch_size);
  c.lr = s.get("lr", c.lr);
  c.weight_decay = s.get("weight_decay", c.weight_decay);
  c.ema_decay = s.get("ema_decay", c.ema_decay);
  c.grad_clip = s.get("grad_clip", c.grad_clip);
  c.early_stopping_patience = s.get("early_stopping_patience", c.early_stopping_patience);
  c.checkpoint_every = s.get("checkpoint_every", c.checkpoint_every);
  c.seed = s.get("seed", c.seed);
  if (s.has("max_minutes")) c.max_minutes = s.get("max_minutes", 0.0);
  c.committee = s.get("committee", c.committee);
  c.engine = s.get("engine", c.engine);
  if (c.engine != "auto" && c.engine != "engine" && c.engine != "reference")
    throw InputError(s.where(),
                     "engine: expected auto, engine or reference, got '" + c.engine + "'");
  YamlSection loss = s.section("loss");
  loss.check_keys({"energy", "forces", "stress", "bec", "polarization", "polarizability"});
  c.loss.energy = loss.get("energy", c.loss.energy);
  c.loss.forces = loss.get("forces", c.loss.forces);
  c.loss.stress = loss.get("stress", c.loss.stress);
  c.loss.bec = loss.get("bec", c.loss.bec);
  c.loss.polarization = loss.get("polarization", c.loss.polarization);
  c.loss.polarizability = loss.get("polarizability", c.loss.polarizability);
  YamlSection sched = s.section("scheduler");
  sched.check_keys({"factor", "patience", "min_lr"});
  c.plateau_factor = sched.get("factor", c.plateau_factor);
  c.plateau_patience = sched.get("patience", c.plateau_patience);
  c.min_lr = sched.get("min_lr", c.min_lr);
  check_training(s, c);
}

}  // namespace

TrainConfig load_train_config(const std::string& path) {
  YamlSection top = YamlSection::load_file(path);
  top.check_keys({"data", "model", "training", "output"});
  TrainConfig c;
  c.source = path;
  const std::string dir = std::filesystem::path(path).parent_path().string();
  YamlSection data = top.section("data");
  data.check_keys({"train", "valid", "test", "valid_fraction", "test_fraction", "seed", "keys"});
  c.keys = read_label_keys(data.section("keys"));
  c.train_file = resolve_relative(dir, data.required<std::string>("train"));
  c.valid_file = resolve_relative(dir, data.get("valid", std::string()));
  c.test_file = resolve_relative(dir, data.get("test", std::string()));
  c.valid_fraction = data.get("valid_fraction", c.valid_fraction);
  c.test_fraction = data.get("test_fraction", c.test_fraction);
  c.split_seed = data.get("seed", c.split_seed);
  if (c.valid_fraction < 0 || c.test_fraction < 0 || c.valid_fraction + c.test_fraction >= 1)
    throw InputError(data.where(), "valid_fraction + test_fraction must be in [0, 1)");
  read_model(top.section("model"), c.model);
  read_training(top.section("training"), c);
  YamlSection out = top.section("output");
  out.check_keys({"dir", "model"});
  // Relative to the YAML file's folder, like the data paths and every other command's outputs.
  c.output_dir = resolve_relative(dir, out.get("dir", c.output_dir));
  c.model_name = out.get("model", c.model_name);
  return c;
}

}  // namespace lnet
