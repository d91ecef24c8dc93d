#include "lnet/io/label_checks.hpp"

#include <cmath>
#include <optional>
#include <utility>

#include "lnet/core/error.hpp"

namespace lnet {

void check_labels_finite(const Structure& s, const LabelKeys& keys, const std::string& where) {
  auto check = [&](bool finite, const std::string& label, const std::string& which = "") {
    if (!finite)
      throw InputError(
          where, label + " label (key '" + keys.key_of(label) + "')" + which + " is not finite");
  };
  if (s.energy) check(std::isfinite(*s.energy), "energy");
  const std::pair<const char*, const std::optional<Mat3>*> tensors[] = {
      {"stress", &s.stress},
      {"virial", &s.virial},
      {"polarizability", &s.polarizability},
      {"epsilon_inf", &s.epsilon_inf}};
  for (const auto& [label, t] : tensors)
    if (*t) check((*t)->allFinite(), label);
  if (s.dipole) check(s.dipole->allFinite(), "dipole");
  if (s.polarization) check(s.polarization->allFinite(), "polarization");
  if (s.efield) check(s.efield->allFinite(), "efield");
  for (std::size_t i = 0; i < s.size(); ++i) {
    const std::string atom = " of atom " + std::to_string(i + 1);
    if (s.forces) check((*s.forces)[i].allFinite(), "forces", atom);
    if (s.bec) check((*s.bec)[i].allFinite(), "bec", atom);
  }
}

}  // namespace lnet
