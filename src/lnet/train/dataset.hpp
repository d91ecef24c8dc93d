// Training data: loading, the train/validation/test split, statistics fitted before training
// (species, per-species reference energies, output scale, neighbour counts), batching.
#pragma once
#include <cstdint>
#include <vector>

#include "lnet/core/structure.hpp"
#include "lnet/train/train_config.hpp"

namespace lnet {

struct DataSplit {
  std::vector<Structure> train, valid, test;
};

// Reads the files of `config`; where valid/test files are not given, takes seeded random
// fractions of the training file (the same seed gives the same split).
DataSplit load_split(const TrainConfig& config);

// Fills species (those of all sets), e0 (least squares of energies on species counts),
// energy_scale (RMS force component, else per-atom energy spread) and the average number of
// neighbours within each cutoff, from the training set.
void fit_statistics(const std::vector<Structure>& train, const std::vector<Structure>& others,
                    ModelConfig& model);

// Index batches of one epoch: a permutation drawn from (seed, epoch) only, so a resumed run
// draws exactly the batches of the uninterrupted one.
std::vector<std::vector<int>> epoch_batches(std::size_t n, int batch_size, uint64_t seed,
                                            int epoch);

// Pointers to the structures of one index batch.
std::vector<const Structure*> select(const std::vector<Structure>& data,
                                     const std::vector<int>& idx);

}  // namespace lnet
