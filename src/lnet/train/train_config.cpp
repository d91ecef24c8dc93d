#include "lnet/train/train_config.hpp"

#include <filesystem>

#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/util/yaml_section.hpp"

namespace lnet {

namespace {

NetworkHyper read_network(const YamlSection& s, NetworkHyper h) {
  s.check_keys({"cutoff", "num_basis", "envelope_p", "l_max", "l_hidden", "channels", "correlation",
                "layers", "radial_hidden"});
  h.cutoff = s.get("cutoff", h.cutoff);
  h.num_basis = s.get("num_basis", h.num_basis);
  h.envelope_p = s.get("envelope_p", h.envelope_p);
  h.l_max = s.get("l_max", h.l_max);
  h.l_hidden = s.get("l_hidden", h.l_hidden);
  h.channels = s.get("channels", h.channels);
  h.correlation = s.get("correlation", h.correlation);
  h.layers = s.get("layers", h.layers);
  h.radial_hidden = s.get("radial_hidden", h.radial_hidden);
  auto bad = [&](const std::string& key, const std::string& what) {
    return InputError(s.where(), key + ": " + what);
  };
  if (h.cutoff <= 0) throw bad("cutoff", "must be positive");
  if (h.l_max < 0 || h.l_max > 3) throw bad("l_max", "must be 0, 1, 2 or 3");
  if (h.l_hidden < 0 || h.l_hidden > h.l_max) throw bad("l_hidden", "must be in 0..l_max");
  if (h.layers < 1 || h.layers > 3) throw bad("layers", "must be 1, 2 or 3");
  if (h.correlation < 1 || h.correlation > 3) throw bad("correlation", "must be 1, 2 or 3");
  if (h.channels < 1 || h.num_basis < 1 || h.radial_hidden < 1)
    throw bad("channels", "channels, num_basis and radial_hidden must be positive");
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
                "sigma", "epsilon_s", "electrostatics"});
  m.dtype = s.get("dtype", m.dtype);
  if (m.dtype != "float64" && m.dtype != "float32")
    throw InputError(s.where(), "dtype: expected float64 or float32, got '" + m.dtype + "'");
  m.network_a = read_network(s.section("network_a"), m.network_a);
  m.long_range = s.get("long_range", m.long_range);
  m.network_b = read_network(s.section("network_b"), m.network_b);
  m.learn_charges = s.get("learn_charges", m.learn_charges);
  m.charges = per_element(s, "charges");
  m.sigma = per_element(s, "sigma");
  m.epsilon_s = s.get("epsilon_s", m.epsilon_s);
  if (m.epsilon_s <= 0) throw InputError(s.where(), "epsilon_s: must be positive");
  YamlSection es = s.section("electrostatics");
  es.check_keys({"accuracy", "method"});
  m.es_accuracy = es.get("accuracy", m.es_accuracy);
  m.es_method = es.get("method", m.es_method);
  if (m.es_method != "auto" && m.es_method != "ewald" && m.es_method != "pme" &&
      m.es_method != "direct")
    throw InputError(es.where(), "method: expected auto, ewald, pme or direct");
}

void read_training(const YamlSection& s, TrainConfig& c) {
  s.check_keys({"epochs", "batch_size", "lr", "weight_decay", "ema_decay", "grad_clip", "loss",
                "scheduler", "early_stopping_patience", "checkpoint_every", "seed", "max_minutes"});
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
  YamlSection loss = s.section("loss");
  loss.check_keys({"energy", "forces", "stress", "bec", "polarization"});
  c.loss.energy = loss.get("energy", c.loss.energy);
  c.loss.forces = loss.get("forces", c.loss.forces);
  c.loss.stress = loss.get("stress", c.loss.stress);
  c.loss.bec = loss.get("bec", c.loss.bec);
  c.loss.polarization = loss.get("polarization", c.loss.polarization);
  YamlSection sched = s.section("scheduler");
  sched.check_keys({"factor", "patience", "min_lr"});
  c.plateau_factor = sched.get("factor", c.plateau_factor);
  c.plateau_patience = sched.get("patience", c.plateau_patience);
  c.min_lr = sched.get("min_lr", c.min_lr);
  if (c.epochs < 1 || c.batch_size < 1)
    throw InputError(s.where(), "epochs and batch_size must be >= 1");
  if (c.lr <= 0) throw InputError(s.where(), "lr: must be positive");
  if (c.grad_clip < 0) throw InputError(s.where(), "grad_clip: must be >= 0 (0 switches it off)");
  if (c.ema_decay < 0 || c.ema_decay >= 1)
    throw InputError(s.where(), "ema_decay: must be in [0, 1)");
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
  c.output_dir = out.get("dir", c.output_dir);
  c.model_name = out.get("model", c.model_name);
  return c;
}

}  // namespace lnet
