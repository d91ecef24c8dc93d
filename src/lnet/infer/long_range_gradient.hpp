// Exact weight gradients of a training loss through the engine for the long-range part of a
// model (network B, its charge and dipole readouts and the charge transfers; docs/DESIGN.md §2).
// Network A's part is gradient.hpp's, unchanged: E = E_A + E_B with
//   E_B = E_es(q, mu) / eps_s - E·M,   M = sum_i (q0_i r_i + mu_i) - 1/2 sum_k t_k r_k,
// q_i = q0_i + sum over i's bonds k of t_k = (s_j - s_i) w(r_k) (learned charges).
// Every term of the loss is dL/dJ · dJ/dθ plus a mixed second derivative of J along one
// direction of the positions, for J = E (direction -dL/dF) and J = M_a (direction dL/dZ_a,
// Z_i(a, b) = dM_a/dr_ib): network B runs on Dual<T> with its edge vectors seeded along the
// direction, and the electrostatics give their potentials and fields with the derivatives along
// (dq, dmu, dr) (ElectrostaticsTangentFn), so that the adjoints of q and mu carry their exact
// tangents into the reverse pass.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "lnet/infer/engine_model.hpp"

namespace lnet::infer {

// What the loss asks of one structure's long-range part (all atoms local).
struct LongRangeSeeds {
  double energy = 0;           // dL/dE
  std::vector<Vec3> forces;    // dL/dF_i; empty: no force term
  Mat3 virial = Mat3::Zero();  // dL/dW (zero: no stress term)
  Vec3 dipole = Vec3::Zero();  // dL/dM
  std::vector<Mat3> bec;       // dL/dZ_i; empty: no Born-charge term
};

// Site potentials dE_es/dq_i and fields -dE_es/dmu_i at (q, mu, r) and their derivatives along
// (dq, dmu, dr) and a symmetric strain of positions and cell (r -> (1 + strain) r); the tangents
// are zero (and may be left empty) when all directions are (empty vectors, zero strain).
struct ElectrostaticsTangent {
  std::vector<double> potential, potential_tangent;
  std::vector<Vec3> field, field_tangent;
};
using ElectrostaticsTangentFn = std::function<ElectrostaticsTangent(
    const std::vector<double>& q, const std::vector<Vec3>& mu, const std::vector<double>& dq,
    const std::vector<Vec3>& dmu, const std::vector<Vec3>& dr, const Mat3& strain)>;

// A zero gradient shaped as the trained weights of network B and its readouts.
PolarizationWeights zero_gradient(const PolarizationWeights& w);
void add_gradient(PolarizationWeights& sum, const PolarizationWeights& part);

// Network B's passes of one structure at a time (not thread-safe: one per thread).
template <class T>
class LongRangeGradient {
 public:
  explicit LongRangeGradient(const ModelWeights& w);
  ~LongRangeGradient();
  // Born charges Z_i(a, b) = dM_a/dr_ib of the structure `in` (edges_b; all atoms local).
  std::vector<Mat3> born_charges(const Input& in);
  // Adds dL/dθ of network B and its readouts to `grad` (shaped by zero_gradient(w.b)).
  void add(const Input& in, const LongRangeSeeds& seeds, const ElectrostaticsTangentFn& es,
           PolarizationWeights& grad);

 private:
  template <class S>
  struct Pass;
  // Edge vectors seeded along the positions' tangent dr (empty: none) and the strain's.
  template <class S>
  Pass<S> forward(Network<S>& net, const Input& in, const std::vector<Vec3>& dr,
                  const Mat3& strain = Mat3::Zero()) const;
  // The reverse pass of `p` for the adjoints dJ/dq, dJ/dmu and dJ/dM = a: adds seed · dJ/dθ
  // (+ its tangent) to `grad` when given, and dJ/dr_i at fixed q0 (the values) to `dr` when
  // given.
  template <class S>
  void backward(Pass<S>& p, const std::vector<S>& dq, const std::vector<std::array<S, 3>>& dmu,
                const Vec3& a, double seed, PolarizationWeights* grad, std::vector<Vec3>* dr) const;
  ModelWeights w_;
  std::unique_ptr<Network<T>> plain_;
  std::unique_ptr<Network<Dual<T>>> tangent_;
};

// Born charges of every structure of a batch, in parallel over the OpenMP threads.
template <class T>
std::vector<std::vector<Mat3>> born_charges_batch(const ModelWeights& w,
                                                  const std::vector<Input>& in);

// Σ over the structures of dL/dθ of network B (seeds[k], es[k] for in[k]), in parallel over the
// OpenMP threads, reduced in a fixed order.
template <class T>
PolarizationWeights long_range_gradient_batch(const ModelWeights& w, const std::vector<Input>& in,
                                              const std::vector<LongRangeSeeds>& seeds,
                                              const std::vector<ElectrostaticsTangentFn>& es);

extern template class LongRangeGradient<float>;
extern template class LongRangeGradient<double>;

}  // namespace lnet::infer
