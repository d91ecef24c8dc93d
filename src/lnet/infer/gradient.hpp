// Exact weight gradients of a training loss through the engine, for short-range models
// (network A and its readouts; docs/DESIGN.md §2). The loss L depends on a structure through
// its energy E, forces F = -dE/dr and virial W = -dE/dε; given dL/dE, dL/dF and dL/dW,
//   dL/dθ = dL/dE dE/dθ + Σ_i dL/dF_i · dF_i/dθ + dL/dW : dW/dθ.
// The last two terms are mixed second derivatives of E. The network runs on Dual<T>
// (dual.hpp) with every edge vector r_e seeded with the tangent
//   t_e = dL/dF_i - dL/dF_j - sym(dL/dW) r_e     (edge i <- j, r_e = r_j - r_i + shift),
// so that one forward and one reverse pass give dE/dθ (values) and
// Σ_e d²E/dθ dr_e · t_e (tangents), which are exactly the force and virial terms.
#pragma once
#include <memory>
#include <vector>

#include "lnet/infer/engine_model.hpp"

namespace lnet::infer {

// What the loss asks of one structure: its derivatives with respect to the outputs.
struct OutputSeeds {
  double energy = 0;           // dL/dE
  std::vector<Vec3> forces;    // dL/dF_i; empty: the loss has no force term
  Mat3 virial = Mat3::Zero();  // dL/dW (zero: no stress term)
};

// A zero gradient shaped as the trained weights of `w` (embedding, layers, readouts; e0 and
// scale are constants and stay as they are, not trained).
ShortRangeWeights zero_gradient(const ShortRangeWeights& w);
// sum += part, both shaped as the same weights.
void add_gradient(ShortRangeWeights& sum, const ShortRangeWeights& part);

// dL/dθ of one structure at a time; holds the networks (not thread-safe: one per thread).
template <class T>
class ShortRangeGradient {
 public:
  explicit ShortRangeGradient(const ShortRangeWeights& w);
  ~ShortRangeGradient();
  // Adds dL/dθ of the structure `in` (species, positions, cell, edges_a; all atoms local) to
  // `grad` (shaped by zero_gradient). Runs on the calling thread.
  void add(const Input& in, const OutputSeeds& seeds, ShortRangeWeights& grad);

 private:
  template <class S>
  void add_with(Network<S>& net, const Input& in, const OutputSeeds& seeds,
                ShortRangeWeights& grad) const;
  ShortRangeWeights w_;
  std::unique_ptr<Network<T>> plain_;          // energy term only
  std::unique_ptr<Network<Dual<T>>> tangent_;  // with force or virial terms
};

// Energy, forces and (where in[k].virial) virial of every structure of a batch, and for a
// long-range model (es[k], the electrostatics of in[k]) charges, dipoles and M, the structures
// in parallel over the OpenMP threads.
template <class T>
std::vector<Output> evaluate_batch(const ModelWeights& w, const std::vector<Input>& in,
                                   const std::vector<ElectrostaticsFn>& es = {});

// Σ over the structures of a batch of dL/dθ (seeds[k] for in[k]), the structures in parallel
// over the OpenMP threads, reduced in a fixed order (results do not depend on the threads).
template <class T>
ShortRangeWeights gradient_batch(const ShortRangeWeights& w, const std::vector<Input>& in,
                                 const std::vector<OutputSeeds>& seeds);

extern template class ShortRangeGradient<float>;
extern template class ShortRangeGradient<double>;

}  // namespace lnet::infer
