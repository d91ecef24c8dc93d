#include "lnet/model/model_domain.hpp"

#include <nlohmann/json.hpp>

namespace lnet {

ApplicabilityDomain model_domain(const ModelInfo& info, const std::string& model_path) {
  const auto config = nlohmann::json::parse(info.config_json);
  return ApplicabilityDomain::from_json(config.value("domain", nlohmann::json()),
                                        model_path + ": domain");
}

}  // namespace lnet
