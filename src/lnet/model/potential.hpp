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
  // Polarizable models: the cell polarizability alpha_cell and epsilon_inf (3 extra solves).
  bool polarizability = false;
  // Polarizable models: Raman tensors d alpha_cell / d r (implies polarizability).
  bool raman = false;
  // Polarizable models: starting guess [N, 3] for the induced dipoles, e.g. the previous MD
  // step's Prediction::induced_dipoles (warm start); undefined = start from zero.
  torch::Tensor induced_guess;
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
  torch::Tensor dipoles;       // [N, 3] e·Å, permanent + induced (long range only)
  torch::Tensor polarization;  // [B, 3] Born dipole M = sum q r + sum mu, e·Å (long range only)
  // Polarizable models only (DESIGN.md §1):
  torch::Tensor induced_dipoles;      // [N, 3] e·Å, detached (a warm start for the next call)
  torch::Tensor site_polarizability;  // [N] or [N,3,3] (anisotropic) e·Å²/V
  torch::Tensor polarizability;       // [B, 3, 3] alpha_cell = dM/dE at fixed nuclei, e·Å²/V
  torch::Tensor epsilon_inf;          // [B, 3, 3] 1 + alpha_cell/(eps0 V); NaN for open systems
  torch::Tensor raman;                // [N, 3, 3, 3] d alpha_cell(a, b) / d r_i(beta), e·Å/V
  int induction_iterations = 0;       // CG iterations, all solves of this call together
  torch::Tensor bec;                  // [N, 3, 3] Z*(alpha, beta) = dM_alpha / dr_beta
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
  // The electrostatics of the long range (settings from the config), for the training engine.
  const es::Electrostatics& electrostatics() const { return es_; }

 private:
  // Adds the long-range terms to `energy`; fills charges, dipoles and M.
  void long_range(const Batch& batch, const Request& request, const torch::Tensor& pos,
                  const torch::Tensor& cell, torch::Tensor& energy, Prediction& out);
  // Polarizable long range of structure b (DESIGN.md §1): solves the induced dipoles, returns
  // U at the solution and adds the induced parts to M (and alpha_cell, epsilon_inf) in `out`.
  torch::Tensor induction(const Batch& batch, const Request& request, int64_t b,
                          const es::Sites& sites, const torch::Tensor& alpha, Prediction& out,
                          std::vector<torch::Tensor>& induced, std::vector<torch::Tensor>& dm);
  ModelConfig config_;
  ShortRangeNetwork a_{nullptr};
  PolarizationNetwork b_{nullptr};
  torch::Tensor q0_, sigma_;  // buffers per species
  es::Electrostatics es_;
};
TORCH_MODULE(Potential);

}  // namespace lnet
