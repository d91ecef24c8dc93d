// The applicability domain stored with a model (src/lnet/applicability), as the calculator loaded
// it.
#pragma once
#include <string>

#include "lnet/applicability/applicability_domain.hpp"
#include "lnet/model/calculator.hpp"

namespace lnet {

// Empty for models trained before the domain was recorded. InputError(model_path, ...) for a
// malformed record.
ApplicabilityDomain model_domain(const ModelInfo& info, const std::string& model_path);

}  // namespace lnet
