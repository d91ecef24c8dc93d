// The model file: one file holding format version, units, hyperparameters, species, cutoffs,
// fitted statistics (JSON header) and the weights (float64 blob with a checksum).
//
//   line 1: "LNET-MODEL"
//   line 2: JSON header {format_version, units, config, tensors: [{name, shape, offset}], checksum}
//   rest:   little-endian float64 values of every tensor, in header order
//
// Written atomically (temp file + rename), so an interrupted save never destroys a model.
#pragma once
#include <string>

#include "lnet/model/potential.hpp"

namespace lnet {

inline constexpr int kModelFormatVersion = 1;

// Serialises config + weights (buffers included) to bytes / to a file.
std::string model_to_bytes(Potential& model);
void save_model(Potential& model, const std::string& path);
// Reads a model file; InputError naming the file for a wrong magic, an unsupported format
// version, a truncated or corrupt (checksum) file, or tensors that do not match the config.
Potential load_model(const std::string& path);
Potential model_from_bytes(const std::string& bytes, const std::string& name);

// Copies the values of `from` into `to` (same architecture), e.g. EMA weights into a model.
void copy_weights(torch::nn::Module& to, const torch::nn::Module& from);

}  // namespace lnet
