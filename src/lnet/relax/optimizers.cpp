#include "lnet/relax/optimizers.hpp"

#include <cmath>
#include <deque>

namespace lnet {
namespace {

bool converged(const RelaxProblem& p, const OptimizerSettings& s) {
  const bool cell = p.x().size() > 3 * p.n_atoms();
  return p.measures().fmax < s.fmax && (!cell || p.measures().smax < s.smax);
}

// Largest norm of a 3-block of `d`.
double max_block(const Eigen::VectorXd& d) {
  double m = 0;
  for (Eigen::Index i = 0; i + 2 < d.size(); i += 3) m = std::max(m, d.segment<3>(i).norm());
  return m;
}

Eigen::VectorXd capped(Eigen::VectorXd d, double max_step) {
  const double m = max_block(d);
  if (m > max_step) d *= max_step / m;
  return d;
}

bool fire(RelaxProblem& p, const OptimizerSettings& s, const StepCallback& cb, int& steps) {
  const double dt_max = 1.0, f_inc = 1.1, f_dec = 0.5, alpha_start = 0.1, f_alpha = 0.99;
  const int n_min = 5;
  double dt = 0.1, alpha = alpha_start;
  int positive = 0;
  Eigen::VectorXd v = Eigen::VectorXd::Zero(p.x().size());
  for (steps = 0; steps < s.max_steps; ++steps) {
    if (converged(p, s)) return true;
    const Eigen::VectorXd f = p.force();
    const double power = f.dot(v);
    Eigen::VectorXd x = p.x();
    if (power > 0) {
      const double fn = f.norm();
      if (fn > 0) v = (1 - alpha) * v + alpha * v.norm() * f / fn;
      if (++positive > n_min) {
        dt = std::min(dt * f_inc, dt_max);
        alpha *= f_alpha;
      }
    } else {
      if (s.fire2) x -= capped(0.5 * dt * v, s.max_step);  // FIRE 2.0: undo half a step
      v.setZero();
      alpha = alpha_start;
      dt *= f_dec;
      positive = 0;
    }
    v += dt * f;
    x += capped(dt * v, s.max_step);
    p.set(x);
    if (cb) cb(steps + 1, p.measures());
  }
  return converged(p, s);
}

bool lbfgs(RelaxProblem& p, const OptimizerSettings& s, const StepCallback& cb, int& steps) {
  std::deque<Eigen::VectorXd> ss, ys;
  std::deque<double> rho;
  const double h0_default = 1.0 / 70.0;  // Å²/eV
  for (steps = 0; steps < s.max_steps; ++steps) {
    if (converged(p, s)) return true;
    const Eigen::VectorXd x0 = p.x();
    const Eigen::VectorXd g0 = -p.force();
    const double h0 = p.value();
    // Two-loop recursion: d = −H g.
    Eigen::VectorXd q = g0;
    std::vector<double> a(ss.size());
    for (int i = int(ss.size()) - 1; i >= 0; --i) {
      a[i] = rho[i] * ss[i].dot(q);
      q -= a[i] * ys[i];
    }
    const double gamma =
        ss.empty() ? h0_default : ss.back().dot(ys.back()) / ys.back().squaredNorm();
    Eigen::VectorXd d = gamma * q;
    for (std::size_t i = 0; i < ss.size(); ++i) {
      const double b = rho[i] * ys[i].dot(d);
      d += ss[i] * (a[i] - b);
    }
    d = -d;
    if (!(g0.dot(d) < 0)) {  // not a descent direction: restart from steepest descent
      ss.clear();
      ys.clear();
      rho.clear();
      d = -h0_default * g0;
    }
    d = capped(d, s.max_step);
    double t = 1;
    bool accepted = false;
    for (int halving = 0; halving < 10; ++halving, t *= 0.5) {
      p.set(x0 + t * d);
      if (p.value() <= h0 + 1e-4 * t * g0.dot(d)) {
        accepted = true;
        break;
      }
    }
    if (!accepted) {
      ss.clear();
      ys.clear();
      rho.clear();
      p.set(x0 + capped(-h0_default * g0, 0.1 * s.max_step));
    }
    const Eigen::VectorXd sk = p.x() - x0;
    const Eigen::VectorXd yk = -p.force() - g0;
    const double sy = sk.dot(yk);
    if (accepted && sy > 1e-12) {
      ss.push_back(sk);
      ys.push_back(yk);
      rho.push_back(1 / sy);
      if (int(ss.size()) > s.lbfgs_memory) {
        ss.pop_front();
        ys.pop_front();
        rho.pop_front();
      }
    }
    if (cb) cb(steps + 1, p.measures());
  }
  return converged(p, s);
}

}  // namespace

std::string to_string(OptimizerKind k) { return k == OptimizerKind::fire ? "fire" : "lbfgs"; }

bool minimise(RelaxProblem& problem, const OptimizerSettings& settings, const StepCallback& on_step,
              int& steps) {
  if (on_step) on_step(0, problem.measures());
  return settings.kind == OptimizerKind::fire ? fire(problem, settings, on_step, steps)
                                              : lbfgs(problem, settings, on_step, steps);
}

}  // namespace lnet
