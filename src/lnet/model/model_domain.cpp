#include "lnet/model/model_domain.hpp"

#include <nlohmann/json.hpp>

namespace lnet {

Domain model_domain(const ModelInfo& info, const std::string& model_path) {
  const auto config = nlohmann::json::parse(info.config_json);
  return Domain::from_json(config.value("domain", nlohmann::json()), model_path + ": domain");
}

}  // namespace lnet
