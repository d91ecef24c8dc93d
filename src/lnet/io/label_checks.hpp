// Labels that must be finite before anything is computed from them: a NaN or inf label would
// flow through losses and metrics (every RMSE NaN) or into a model's weights.
#pragma once
#include <string>

#include "lnet/core/structure.hpp"
#include "lnet/io/extxyz.hpp"

namespace lnet {

// InputError(where, ...) naming the label, the key it was read under in the file (`keys`) and,
// for per-atom labels, the atom (1-based), for the first label of `s` that is not finite.
void check_labels_finite(const Structure& s, const LabelKeys& keys, const std::string& where);

}  // namespace lnet
