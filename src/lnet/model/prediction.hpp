// One conversion from the batched tensors of a Prediction to per-structure plain arrays (the
// calculator's Evaluation), used by the calculator and by training metrics alike.
#pragma once
#include <vector>

#include "lnet/core/force_field.hpp"
#include "lnet/model/potential.hpp"

namespace lnet {

// Evaluation of each structure of `batch`: energy, and whatever `p` holds of forces, virial,
// Born dipole, charges, atomic dipoles, Born charges and (polarizable models) induced dipoles,
// alpha_cell and epsilon_inf (periodic structures only). induction_iterations is the batch's.
std::vector<Evaluation> split_prediction(const Batch& batch, const Prediction& p);

}  // namespace lnet
