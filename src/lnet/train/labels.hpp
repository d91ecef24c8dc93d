// Which labels a data set carries, and whether the loss can learn from them: a loss
// term with a positive weight and no labels must be an error, never a silent no-op.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "lnet/core/structure.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/train/train_config.hpp"

namespace lnet {

// InputError for a loss term with a positive weight but no labels in `train`, naming the term,
// the keys looked for, the per-frame keys and per-atom columns the frames do have, and a
// data.keys mapping that would likely fix it. Returns warnings (one line each) for terms with
// labels in training but none in `valid`.
std::vector<std::string> check_loss_labels(const std::vector<Structure>& train,
                                           const std::vector<Structure>& valid,
                                           const TrainConfig& config);

}  // namespace lnet
