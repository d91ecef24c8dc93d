// FIRE and L-BFGS over a RelaxProblem.
//
// FIRE: Bitzek, Koskinen, Gähler, Moseler, Gumbsch, PRL 97, 170201 (2006), with the parameters
// of the paper (N_min 5, f_inc 1.1, f_dec 0.5, α_start 0.1, f_α 0.99) in ASE's units (unit
// masses, dt 0.1, dt_max 1.0). The "2.0" variant (Guénolé et al., Comput. Mater. Sci. 175,
// 109584 (2020)) is switchable: on P ≤ 0 it steps back half a step and skips the MD update
// until N_min steps without an uphill move have passed.
// L-BFGS: Nocedal & Wright, Numerical Optimization, alg. 7.4 (two-loop recursion, memory m),
// initial inverse Hessian 1/α (α = 70 eV/Å², ASE's) then sᵀy/yᵀy, with a backtracking line
// search on the objective (Armijo, c1 = 1e-4, halving up to 10 times; on failure the memory is
// dropped and a short steepest-descent step is taken).
// Both cap the largest displacement of any 3-block of x (an atom, a row of c·F) at `max_step`.
#pragma once
#include <functional>
#include <string>

#include "lnet/relax/relax_problem.hpp"

namespace lnet {

enum class OptimizerKind { fire, lbfgs };
std::string to_string(OptimizerKind k);

struct OptimizerSettings {
  OptimizerKind kind = OptimizerKind::fire;
  double fmax = 0.01;  // eV/Å
  double smax = 0.01;  // GPa (cell relaxations)
  int max_steps = 500;
  double max_step = 0.2;  // Å
  bool fire2 = false;
  int lbfgs_memory = 20;
};

// Called after every accepted step (step 0: the start) with the step number.
using StepCallback = std::function<void(int step, const Measures&)>;

// Minimises until converged (fmax and, with a cell, smax) or max_steps; returns whether it
// converged and leaves `problem` at the last accepted point.
bool minimise(RelaxProblem& problem, const OptimizerSettings& settings, const StepCallback& on_step,
              int& steps);

}  // namespace lnet
