// The lnet potential (DESIGN.md §1):
//   E_tot = sum_i eps_i (network A) + (1/eps_s) E_es[q, mu] (network B + electrostatics) - E·M
// with forces, stress, Born charges Z* = dM/dr, all exact derivatives by autograd.
#pragma once
#include <memory>

#include "lnet/electrostatics/electrostatics.hpp"
#include "lnet/model/batch.hpp"
#include "lnet/model/networks.hpp"

namespace lnet {

struct Request {
  bool forces = true;
  bool stress = false;
  bool bec = false;
  bool create_graph = false;  // keep the graph of the derivatives (training on them)
  // Electrostatics parameters per structure, resolved earlier (the calculator keeps them for a
  // whole MD run so that the energy does not jump when re-tuning); empty: resolve now.
  std::vector<es::Parameters> es_parameters;
};

struct Prediction {
  torch::Tensor energy;        // [B] eV
  torch::Tensor forces;        // [N, 3] eV/Å
  torch::Tensor stress;        // [B, 3, 3] eV/Å^3, ASE sign (= -virial / V)
  torch::Tensor virial;        // [B, 3, 3] eV, W = -dE/d(strain) (also for open boundaries)
  torch::Tensor charges;       // [N] e (long range only)
  torch::Tensor dipoles;       // [N, 3] e·Å (long range only)
  torch::Tensor polarization;  // [B, 3] Born dipole M = sum q r + sum mu, e·Å (long range only)
  torch::Tensor bec;           // [N, 3, 3] Z*(alpha, beta) = dM_alpha / dr_beta
  std::vector<es::Parameters> es_parameters;  // used per structure (long range only)
  torch::Tensor positions;  // [N, 3] the leaf the derivatives were taken against (with
                            // create_graph: second derivatives such as the Hessian)
};

class PotentialImpl : public torch::nn::Module {
 public:
  explicit PotentialImpl(const ModelConfig& config);
  Prediction forward(const Batch& batch, const Request& request);
  const ModelConfig& config() const { return config_; }
  torch::Dtype dtype() const;

 private:
  // Adds the long-range terms to `energy`; fills charges, dipoles and M.
  void long_range(const Batch& batch, const Request& request, const torch::Tensor& pos,
                  const torch::Tensor& cell, torch::Tensor& energy, Prediction& out);
  ModelConfig config_;
  ShortRangeNetwork a_{nullptr};
  PolarizationNetwork b_{nullptr};
  torch::Tensor q0_, sigma_;  // buffers per species
  es::Electrostatics es_;
};
TORCH_MODULE(Potential);

}  // namespace lnet
