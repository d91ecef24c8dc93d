// The `electrostatics: {method, accuracy}` section of a run config (lnet md, lnet phonon): the
// electrostatics of the model at inference, overriding the model file's (e.g. PME for a large
// supercell, as the "use method pme" advice says). One reader for every config that has it.
#pragma once
#include <string>

#include "lnet/util/yaml_section.hpp"

namespace lnet {

struct ElectrostaticsSettings {
  std::string method;   // "" keeps the model's; auto | ewald | pme | direct
  double accuracy = 0;  // 0 keeps the model's; else in (0, 1)
};

// Reads `section` (empty when the key is absent); InputError naming the key for an unknown key,
// an unknown method or an accuracy outside (0, 1).
ElectrostaticsSettings read_electrostatics_settings(const YamlSection& section);

}  // namespace lnet
