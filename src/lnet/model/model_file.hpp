// The model file: one file holding format version, units, hyperparameters, species, cutoffs,
// fitted statistics (JSON header) and the weights (float64 blob with a checksum).
//
//   line 1: "LNET-MODEL"
//   line 2: JSON header {format_version, units, config, tensors: [{name, shape, offset}],
//           blob_bytes, checksum (of the weights), header_checksum}
//   rest:   little-endian float64 values of every tensor, in header order
//
// header_checksum (FNV-1a of the header dumped without it) was added within format version 1:
// it is always written and checked when present, so files of earlier lnet builds still load
// (their header is checked field by field only) and those builds read new files unchanged.
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
// Reads a model file; InputError naming the file and the field for a wrong magic, an unsupported
// format version, a truncated or corrupt (checksum) file, a header field out of range (tensor
// offsets and shapes against the file size, the config through validate(ModelConfig)),
// non-finite weights, or tensors that do not match the config.
Potential load_model(const std::string& path);
Potential model_from_bytes(const std::string& bytes, const std::string& name);

// Copies the values of `from` into `to` (same architecture), e.g. EMA weights into a model.
void copy_weights(torch::nn::Module& to, const torch::nn::Module& from);

}  // namespace lnet
