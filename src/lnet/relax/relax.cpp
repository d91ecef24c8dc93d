#include "lnet/relax/relax.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>

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
  const Evaluation e = ff.evaluate(s, Vec3::Zero(), EvalRequest{true, periodic, false});
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

}  // namespace

RelaxResult relax(ForceField& ff, const Structure& start, const RelaxConfig& config,
                  const StepCallback& on_step) {
  const CellMode mode = config.relax_cell ? config.cell_mode : CellMode::fixed;
  RelaxProblem problem(ff, start, mode, config.target_stress_gpa / units::ev_per_a3_to_gpa);
  RelaxResult r;
  r.converged = minimise(
      problem, config.optimizer,
      [&](int step, const Measures& m) {
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
  OutputGuard guard;
  guard.inputs = {c.structure};
  if (!c.model.empty()) guard.inputs.push_back(c.model);
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
  write_extxyz((dir / "relaxed.xyz").string(), {r.structure});
  return r;
}

}  // namespace lnet
