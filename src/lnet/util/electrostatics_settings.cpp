#include "lnet/util/electrostatics_settings.hpp"

namespace lnet {

ElectrostaticsSettings read_electrostatics_settings(const YamlSection& es) {
  es.check_keys({"method", "accuracy"});
  ElectrostaticsSettings s;
  s.method = es.get("method", s.method);
  if (!s.method.empty() && s.method != "auto" && s.method != "ewald" && s.method != "pme" &&
      s.method != "direct")
    throw es.error("method", "expected auto, ewald, pme or direct, got '" + s.method + "'");
  s.accuracy = es.get("accuracy", s.accuracy);
  if (es.has("accuracy") && !(s.accuracy > 0 && s.accuracy < 1))
    throw es.error("accuracy", "must be in (0, 1)");
  return s;
}

}  // namespace lnet
