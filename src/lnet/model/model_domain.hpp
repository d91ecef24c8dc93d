// The applicability domain stored with a model (src/lnet/domain), as the calculator loaded it.
#pragma once
#include <string>

#include "lnet/domain/domain.hpp"
#include "lnet/model/calculator.hpp"

namespace lnet {

// Empty for models trained before the domain was recorded. InputError(model_path, ...) for a
// malformed record.
Domain model_domain(const ModelInfo& info, const std::string& model_path);

}  // namespace lnet
