#include "lnet/core/error.hpp"
#include "lnet/core/text.hpp"
#include "lnet/io/extxyz.hpp"

namespace lnet {

namespace {

bool has(const Structure& s, const std::string& label) {
  if (label == "energy") return s.energy.has_value();
  if (label == "forces") return s.forces.has_value();
  if (label == "stress") return s.stress.has_value();
  if (label == "virial") return s.virial.has_value();
  if (label == "bec") return s.bec.has_value();
  if (label == "dipole") return s.dipole.has_value();
  if (label == "polarization") return s.polarization.has_value();
  if (label == "polarizability") return s.polarizability.has_value();
  if (label == "efield") return s.efield.has_value();
  if (label == "epsilon_inf") return s.epsilon_inf.has_value();
  throw Error("labels: unknown label '" + label + "'");
}

}  // namespace

const std::vector<std::pair<std::string, std::string LabelKeys::*>>& LabelKeys::labels() {
  static const std::vector<std::pair<std::string, std::string LabelKeys::*>> all = {
      {"energy", &LabelKeys::energy},
      {"forces", &LabelKeys::forces},
      {"stress", &LabelKeys::stress},
      {"virial", &LabelKeys::virial},
      {"bec", &LabelKeys::bec},
      {"dipole", &LabelKeys::dipole},
      {"polarization", &LabelKeys::polarization},
      {"polarizability", &LabelKeys::polarizability},
      {"efield", &LabelKeys::efield},
      {"epsilon_inf", &LabelKeys::epsilon_inf}};
  return all;
}

std::string LabelKeys::key_of(const std::string& label) const {
  for (const auto& [name, member] : labels())
    if (name == label) return (this->*member).empty() ? name : this->*member;
  throw Error("LabelKeys::key_of: unknown label '" + label + "'");
}

void LabelKeys::set(const std::string& label, const std::string& key, const std::string& where) {
  std::vector<std::string> known;
  for (const auto& [name, member] : labels()) {
    if (name == label) {
      if (key.empty()) throw InputError(where, label + ": the key name must not be empty");
      this->*member = key;
      return;
    }
    known.push_back(name);
  }
  throw InputError(where, "unknown label '" + label + "' (labels: " + join(known) + ")");
}

std::string LabelKeys::describe() const {
  std::string out;
  for (const auto& [name, member] : labels())
    if (!(this->*member).empty() && this->*member != name)
      out += (out.empty() ? "" : ", ") + name + "=" + this->*member;
  return out;
}

std::map<std::string, std::size_t> count_labels(const std::vector<Structure>& frames) {
  std::map<std::string, std::size_t> counts;
  for (const auto& [label, member] : LabelKeys::labels()) {
    auto& n = counts[label];
    for (const Structure& s : frames) n += has(s, label) ? 1 : 0;
  }
  return counts;
}

std::string label_summary(const std::string& file, const std::vector<Structure>& frames,
                          const LabelKeys& keys) {
  const auto counts = count_labels(frames);
  std::vector<std::string> found, absent;
  for (const auto& [label, member] : LabelKeys::labels()) {
    const std::size_t n = counts.at(label);
    if (n == 0) {
      absent.push_back(label);
      continue;
    }
    const std::string key = keys.key_of(label);
    found.push_back(label + (key != label ? " (from " + key + ")" : "") + " " + std::to_string(n));
  }
  return file + ": " + std::to_string(frames.size()) +
         " frames; labels: " + (found.empty() ? "none" : join(found)) +
         (absent.empty() ? "" : "; absent: " + join(absent));
}

}  // namespace lnet
