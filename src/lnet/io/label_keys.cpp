#include "lnet/core/error.hpp"
#include "lnet/io/extxyz.hpp"

namespace lnet {

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
  std::string known;
  for (const auto& [name, member] : labels()) {
    if (name == label) {
      if (key.empty()) throw InputError(where, label + ": the key name must not be empty");
      this->*member = key;
      return;
    }
    known += (known.empty() ? "" : ", ") + name;
  }
  throw InputError(where, "unknown label '" + label + "' (labels: " + known + ")");
}

std::string LabelKeys::describe() const {
  std::string out;
  for (const auto& [name, member] : labels())
    if (!(this->*member).empty() && this->*member != name)
      out += (out.empty() ? "" : ", ") + name + "=" + this->*member;
  return out;
}

}  // namespace lnet
