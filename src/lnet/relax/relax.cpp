#include "lnet/relax/relax.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>

#include "lnet/core/atom_checks.hpp"
#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/util/atomic_file.hpp"
#include "lnet/util/output_guard.hpp"

namespace lnet {
namespace {

std::string log_line(int step, const Measures& m) {
  char b[200];
  std::snprintf(b, sizeof b, "%6d %18.8f %18.8f %12.6f %12.6f %14.6f %12.6f\n", step, m.energy,
                m.enthalpy, m.fmax, m.smax, m.volume, m.pressure);
  return b;
}

const char* log_header =
    "# step         energy_eV       enthalpy_eV      fmax_eV/A      smax_GPa       volume_A3   "
    "pressure_GPa\n";

// The final structure with the force field's labels at it (the input's labels would be stale).
Structure labelled(ForceField& ff, Structure s) {
  const bool periodic = s.pbc[0] && s.pbc[1] && s.pbc[2];
  EvalRequest request;
  request.virial = periodic;
  const Evaluation e = ff.evaluate(s, Vec3::Zero(), request);
  s.energy = e.energy;
  s.forces = e.forces;
  s.virial.reset();
  s.stress.reset();
  if (periodic && e.virial) s.stress = Mat3(-*e.virial / s.volume());
  s.bec.reset();
  s.dipole.reset();
  s.polarization.reset();
  return s;
}

// A model without repulsion at short range can pull atoms onto each other and still reach
// fmax: such a minimum is an artefact, never a result. Checked at every accepted step (an O(N)
// neighbour search at min_distance, small next to an evaluation).
void check_distances(const Structure& s, const RelaxConfig& c, int step) {
  if (step == 0) {
    check_atoms(s, c.min_distance, start_structure_where(c));
    return;
  }
  if (!(c.min_distance > 0)) return;
  if (const auto pair = closest_pair(s.positions, s.cell, s.pbc, c.min_distance))
    throw Error("relax: step " + std::to_string(step) + ": " +
                describe_close_pair(*pair, s.numbers, c.min_distance) +
                ": the structure collapsed (the model has no repulsion there?); no result "
                "written");
}

}  // namespace

RelaxResult relax(ForceField& ff, const Structure& start, const RelaxConfig& config,
                  const StepCallback& on_step) {
  const CellMode mode = config.relax_cell ? config.cell_mode : CellMode::fixed;
  RelaxProblem problem(ff, start, mode, config.target_stress_gpa / units::ev_per_a3_to_gpa);
  RelaxResult r;
  r.converged = minimise(
      problem, config.optimizer,
      [&](int step, const Measures& m) {
        check_distances(problem.structure(), config, step);
        r.history.push_back({step, m});
        if (on_step) on_step(step, m);
      },
      r.steps);
  r.evaluations = problem.evaluations();
  r.structure = labelled(ff, problem.structure());
  return r;
}

RelaxResult run_relax(const RelaxConfig& c, ForceField& ff, const Structure& start,
                      const RelaxRunOptions& options) {
  namespace fs = std::filesystem;
  const fs::path dir(c.output_dir);
  // Inputs are never written over, with or without --force.
  OutputGuard guard;
  for (const std::string& input : {c.source, c.structure, c.model})
    if (!input.empty()) guard.inputs.push_back(input);
  guard.flag = "output.dir";
  guard.force = options.force;
  guard.check(std::vector<std::string>{(dir / "relaxed.xyz").string(), (dir / "relax.log").string(),
                                       (dir / "last.xyz").string()});
  ensure_directory(dir.string());
  std::string log = std::string("# lnet relax ") + c.source + ": optimizer " +
                    to_string(c.optimizer.kind) + ", fmax " + std::to_string(c.optimizer.fmax) +
                    " eV/Å" +
                    (c.relax_cell ? ", smax " + std::to_string(c.optimizer.smax) + " GPa" : "") +
                    "\n" + log_header;
  if (options.report) *options.report << log_header;
  const RelaxResult r = relax(ff, start, c, [&](int step, const Measures& m) {
    const std::string line = log_line(step, m);
    log += line;
    if (step % c.log_every == 0) {
      if (options.report) *options.report << line << std::flush;
      spdlog::debug("relax step {}: E {} eV, fmax {} eV/Å, smax {} GPa", step, m.energy, m.fmax,
                    m.smax);
    }
  });
  write_file_atomic((dir / "relax.log").string(), log);
  const Measures& last = r.history.back().measures;
  if (!r.converged) {
    const std::string path = (dir / "last.xyz").string();
    write_extxyz(path, {r.structure});
    char b[256];
    std::snprintf(
        b, sizeof b,
        "relax: not converged within max_steps = %d: last fmax %.4g eV/Å (target %.4g)%s; "
        "last state written to ",
        c.optimizer.max_steps, last.fmax, c.optimizer.fmax,
        c.relax_cell ? (", smax " + std::to_string(last.smax) + " GPa (target " +
                        std::to_string(c.optimizer.smax) + ")")
                           .c_str()
                     : "");
    throw Error(b + path);
  }
  if (options.final_check) {
    const std::string why = options.final_check(r.structure);
    if (!why.empty()) {
      const std::string path = (dir / "last.xyz").string();
      write_extxyz(path, {r.structure});
      throw Error("relax: reached fmax after " + std::to_string(r.steps) +
                  " steps, but the final structure is not a result: " + why +
                  "; last state written to " + path);
    }
  }
  write_extxyz((dir / "relaxed.xyz").string(), {r.structure});
  return r;
}

}  // namespace lnet
