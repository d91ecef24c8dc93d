#include "lnet/md/run_md.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>

#include "lnet/core/atom_checks.hpp"
#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/quantity.hpp"
#include "lnet/io/dipole_series.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/md/checkpoint.hpp"
#include "lnet/md/integrator.hpp"
#include "lnet/md/md_output.hpp"
#include "lnet/md/md_setup.hpp"
#include "lnet/util/atomic_file.hpp"
#include "lnet/util/output_guard.hpp"
#include "lnet/util/progress.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;
using md::MdState;

const char* kTrajectory = "trajectory.xyz";
const char* kThermoCsv = "thermo.csv";
const char* kThermoJsonl = "thermo.jsonl";
const char* kDipole = "dipole.dat";
const char* kCheckpoint = "checkpoint.json";

md::IntegratorSettings integrator_settings(const MdConfig& c) {
  md::IntegratorSettings s;
  s.timestep_fs = c.timestep_fs;
  s.ensemble = c.ensemble;
  s.thermostat = c.thermostat;
  s.temperature_K = c.temperature_K;
  s.remove_com = c.remove_com;
  s.barostat = c.barostat;
  return s;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

class MdRun {
 public:
  MdRun(const MdConfig& c, ForceField& ff, const Structure& start, const MdRunOptions& o)
      : config_(c),
        ff_(ff),
        options_(o),
        numbers_(start.numbers),
        pbc_(start.pbc),
        integrator_(integrator_settings(c), md::atom_masses(start, c.masses), c.fixed),
        rng_(c.seed),
        has_dipole_(ff.has_dipole()) {
    extras_.names = c.output.trajectory_extra;
    frame_.numbers = numbers_;
    frame_.pbc = pbc_;
  }

  MdRunSummary run(const Structure& start);

 private:
  std::string path(const char* name) const {
    return (fs::path(config_.output.dir) / name).string();
  }
  void evaluate(MdState& s);
  void start_fresh(const Structure& start);
  void resume();
  void open_outputs(const std::map<std::string, std::uint64_t>* bytes);
  void write_step_outputs();
  DipoleRow dipole_row() const;
  void check_sound();
  void check_domain();
  int uncertainty_every() const;
  bool wants_spread(long step) const;
  void check_uncertainty();
  void fail(const std::string& what);
  std::map<std::string, std::uint64_t> flushed_sizes();
  void checkpoint(const std::map<std::string, std::uint64_t>& sizes);
  void finish();
  double volume() const { return frame_.periodic() ? std::abs(state_.cell.determinant()) : 0.0; }

  const MdConfig& config_;
  ForceField& ff_;
  MdRunOptions options_;
  std::vector<int> numbers_;
  std::array<bool, 3> pbc_;
  md::Integrator integrator_;
  md::Rng rng_;
  bool has_dipole_;
  md::FrameExtras extras_;
  Structure frame_;  // numbers and pbc; positions and cell set per evaluation
  MdState state_;
  MdState last_good_;
  std::optional<DipoleRow> pending_row_;  // row of the current step, waiting for M(step + 1)
  std::optional<md::ThermoOutput> thermo_;
  std::optional<AppendFile> trajectory_;
  std::optional<DipoleSeriesWriter> dipole_;
  double force_field_seconds_ = 0;  // wall time inside ForceField::evaluate
  long domain_checks_ = 0, domain_outside_ = 0;
  double worst_novelty_ = -1;
  std::string worst_domain_;  // the most novel state checked, described
  long uncertainty_checks_ = 0, uncertainty_over_ = 0;
  double worst_spread_ = -1;  // largest committee_force_std_max checked (eV/Å)
  long worst_spread_step_ = 0;
};

// The committee's spreads (learn/committee.hpp): the force spread is the quantity the
// uncertainty check reads; both are thermo columns of a run with a committee.
const char* kForceSpread = "committee_force_std_max";
const char* kEnergySpread = "committee_energy_std";

// A per-structure quantity the force field gave with this evaluation, if it did.
std::optional<double> given(const Evaluation& e, const char* name) {
  const auto it = e.extra.find(name);
  if (it == e.extra.end() || it->second.empty()) return std::nullopt;
  return it->second.front();
}

void MdRun::evaluate(MdState& s) {
  const long step = s.step;
  frame_.positions = s.positions;  // unwrapped: the force field sees continuous positions
  frame_.cell = s.cell;
  EvalRequest request;
  request.virial = frame_.periodic() &&
                   (config_.ensemble == Ensemble::npt || step % config_.output.thermo_every == 0);
  if (config_.output.trajectory_every > 0 && step % config_.output.trajectory_every == 0)
    extras_.request(request);
  // The trajectory's extras: any force field gives them, through their derive function if need
  // be. Not so the committee's spreads: they are asked for by name rather than through the
  // registry (the committee's force field registers them; md does not know it), and a force
  // field without them leaves NaN in the thermo log and fails the uncertainty check.
  const EvalRequest derivable = request;
  if (wants_spread(step)) request.extra.insert({kEnergySpread, kForceSpread});
  s.efield = config_.field.at(static_cast<double>(step) * config_.timestep_fs);
  const auto t0 = std::chrono::steady_clock::now();
  s.eval = ff_.evaluate(frame_, s.efield, request);
  if (!derivable.extra.empty()) derive_quantities(derivable, frame_, s.eval);
  force_field_seconds_ += seconds_since(t0);
  if (s.eval.forces.size() != s.positions.size())
    throw Error("the force field returned " + std::to_string(s.eval.forces.size()) +
                " forces for " + std::to_string(s.positions.size()) + " atoms");
}

void MdRun::start_fresh(const Structure& start) {
  state_ = MdState{};
  state_.positions = start.positions;
  state_.cell = start.cell;
  state_.velocities = md::initial_velocities(config_, start, integrator_, rng_);
  evaluate(state_);
  last_good_ = state_;
  check_sound();
  open_outputs(nullptr);
  write_step_outputs();
  if (has_dipole_) pending_row_ = dipole_row();
}

void MdRun::resume() {
  const std::string file = path(kCheckpoint);
  if (!fs::exists(file)) throw InputError(config_.source, "output.dir: cannot resume: no " + file);
  md::Checkpoint c = md::read_checkpoint(file);
  if (c.natoms != numbers_.size() || c.timestep_fs != config_.timestep_fs ||
      c.ensemble != to_string(config_.ensemble))
    throw InputError(file, "does not belong to this run: natoms " + std::to_string(c.natoms) +
                               ", timestep_fs " + std::to_string(c.timestep_fs) + ", ensemble " +
                               c.ensemble + " (the config has " + std::to_string(numbers_.size()) +
                               ", " + std::to_string(config_.timestep_fs) + ", " +
                               to_string(config_.ensemble) + ")");
  if ((pbc_[0] || pbc_[1] || pbc_[2]) && !(std::abs(c.state.cell.determinant()) > 1e-9))
    throw InputError(file, "checkpoint entry 'cell': singular cell for a periodic structure");
  state_ = std::move(c.state);
  rng_.restore(c.rng_state);
  ff_.restore_state(c.force_field_state);
  open_outputs(&c.file_bytes);
  if (has_dipole_) {
    if (!state_.eval.dipole) throw InputError(file, "has no dipole but the force field has one");
    pending_row_ = dipole_row();
  }
  spdlog::info("md: resuming from step {} ({})", state_.step, file);
}

void MdRun::open_outputs(const std::map<std::string, std::uint64_t>* bytes) {
  auto open = [&](const char* name) {
    if (!bytes) return AppendFile::create(path(name));
    const auto it = bytes->find(name);
    if (it == bytes->end())
      throw InputError(path(kCheckpoint), std::string("has no size for ") + name);
    return AppendFile::resume(path(name), it->second);
  };
  const bool show_field = config_.field.active();
  const bool committee = !config_.committee.empty();
  if (bytes) {
    // The committee's columns come and go with the model list: appending rows of the other
    // layout would leave a thermo.csv whose rows do not match its header.
    std::ifstream in(path(kThermoCsv));
    std::string header;
    std::getline(in, header);
    if (header + "\n" != md::thermo_csv_header(committee))
      throw InputError(path(kThermoCsv),
                       std::string("cannot resume: it was written by a run ") +
                           (committee ? "without" : "with") +
                           " a committee (its columns differ); resume with the `model` of that "
                           "run, or start a new run in another output.dir");
  }
  thermo_.emplace(open(kThermoCsv), open(kThermoJsonl), options_.report, has_dipole_, show_field,
                  committee);
  if (!bytes) thermo_->csv().write(md::thermo_csv_header(committee));
  if (config_.output.trajectory_every > 0) trajectory_.emplace(open(kTrajectory));
  if (!has_dipole_) return;
  if (!bytes) {
    DipoleSeriesHeader h;
    h.timestep_fs = config_.timestep_fs;
    h.natoms = static_cast<int>(numbers_.size());
    h.ensemble = to_string(config_.ensemble);
    h.target_temperature_K = config_.ensemble == Ensemble::nve ? 0.0 : config_.temperature_K;
    dipole_.emplace(path(kDipole), h);
  } else {
    const auto it = bytes->find(kDipole);
    if (it == bytes->end()) throw InputError(path(kCheckpoint), "has no size for dipole.dat");
    dipole_.emplace(DipoleSeriesWriter::resume(path(kDipole), it->second));
  }
}

DipoleRow MdRun::dipole_row() const {
  DipoleRow r;
  r.step = state_.step;
  r.time_fs = static_cast<double>(state_.step) * config_.timestep_fs;
  r.dipole = *state_.eval.dipole;
  r.efield = state_.efield;
  r.volume = volume();
  r.temperature = integrator_.temperature(state_.velocities);
  return r;
}

void MdRun::write_step_outputs() {
  const long step = state_.step;
  if (step % config_.output.thermo_every == 0) {
    md::ThermoRecord r;
    r.step = step;
    r.time_fs = static_cast<double>(step) * config_.timestep_fs;
    r.temperature_K = integrator_.temperature(state_.velocities);
    r.potential_energy = state_.eval.energy;
    r.kinetic_energy = integrator_.kinetic_energy(state_.velocities);
    r.conserved_energy = integrator_.conserved_energy(state_);
    r.pressure_gpa =
        frame_.periodic() ? integrator_.pressure(state_) * units::ev_per_a3_to_gpa : std::nan("");
    r.volume = volume();
    r.dipole = state_.eval.dipole;
    r.efield = state_.efield;
    if (!config_.committee.empty()) {
      // The values of this step's evaluation, the ones the uncertainty check reads.
      const double nan = std::nan("");
      md::CommitteeSpread spread;
      spread.energy_std = given(state_.eval, kEnergySpread).value_or(nan);
      spread.force_std_max = given(state_.eval, kForceSpread).value_or(nan);
      r.spread = spread;
    }
    thermo_->write(r);
  }
  if (trajectory_ && step % config_.output.trajectory_every == 0)
    trajectory_->write(md::extxyz_text(
        md::trajectory_frame(state_, numbers_, pbc_, config_.timestep_fs, extras_)));
}

// Extrapolation: warns once when the state leaves the model's training domain (and
// counts the rest for the summary), or stops the run with extrapolation.stop.
void MdRun::check_domain() {
  const ApplicabilityDomain* domain = options_.domain;
  const int every =
      config_.extrapolation.every < 0 ? config_.output.thermo_every : config_.extrapolation.every;
  if (!domain || domain->empty() || every == 0 || state_.step % every != 0) return;
  frame_.positions = state_.positions;
  frame_.cell = state_.cell;
  const ApplicabilityReport r = domain->assess(frame_);
  ++domain_checks_;
  const std::string text = r.describe(frame_);
  if (r.novelty > worst_novelty_) {
    worst_novelty_ = r.novelty;
    worst_domain_ = "step " + std::to_string(state_.step) + ": " + text;
  }
  if (!r.outside(config_.extrapolation.limits)) return;
  if (config_.extrapolation.stop)
    fail("left the model's training domain: " + text + " (extrapolation.stop)");
  if (domain_outside_++ == 0)
    spdlog::warn(
        "md: step {}: outside the model's training domain: {} (results there are "
        "extrapolated; further cases are counted in the summary)",
        state_.step, text);
}

int MdRun::uncertainty_every() const {
  const UncertaintyConfig& u = config_.uncertainty;
  if (config_.committee.empty()) return 0;
  return u.every < 0 ? config_.output.thermo_every : u.every;
}

// Steps whose evaluation asks for the committee's spreads: those the thermo log writes and
// those the uncertainty check reads (one evaluation serves both where they coincide).
bool MdRun::wants_spread(long step) const {
  if (config_.committee.empty()) return false;
  const int every = uncertainty_every();
  return step % config_.output.thermo_every == 0 || (every > 0 && step % every == 0);
}

// Committees: warns once when the members' forces disagree by more than uncertainty.force_std
// on some atom (and counts the rest for the summary), or stops the run with uncertainty.stop.
void MdRun::check_uncertainty() {
  const int every = uncertainty_every();
  if (every == 0 || state_.step % every != 0) return;
  const std::optional<double> given_spread = given(state_.eval, kForceSpread);
  if (!given_spread)
    fail(std::string("the force field gives no ") + kForceSpread +
         " (uncertainty needs a committee of models)");
  const double spread = *given_spread;
  ++uncertainty_checks_;
  if (spread > worst_spread_) {
    worst_spread_ = spread;
    worst_spread_step_ = state_.step;
  }
  const double limit = config_.uncertainty.force_std;
  if (limit <= 0 || spread <= limit) return;
  const std::string text = fmt::format(
      "the committee's forces differ by {:.3g} eV/Å on some atom (uncertainty.force_std {:g})",
      spread, limit);
  if (config_.uncertainty.stop) fail(text + " (uncertainty.stop)");
  if (uncertainty_over_++ == 0)
    spdlog::warn("md: step {}: {}; further cases are counted in the summary", state_.step, text);
}

void MdRun::fail(const std::string& what) {
  const std::string file = path("last_good.xyz");
  try {
    write_extxyz(file, {md::restart_frame(last_good_, numbers_, pbc_, config_.timestep_fs)});
  } catch (const Error& e) {
    spdlog::error("md: could not write {}: {}", file, e.what());
  }
  if (thermo_) thermo_->flush();
  if (trajectory_) trajectory_->flush();
  if (dipole_) dipole_->flush();
  throw Error("md: step " + std::to_string(state_.step) + ": " + what +
              " (last sound state, step " + std::to_string(last_good_.step) + ", in " + file + ")");
}

void MdRun::check_sound() {
  if (!std::isfinite(state_.eval.energy)) fail("non-finite energy");
  for (std::size_t i = 0; i < state_.positions.size(); ++i)
    if (!state_.eval.forces[i].allFinite() || !state_.positions[i].allFinite())
      fail("non-finite force or position on atom " + std::to_string(i + 1));
  if (!(config_.min_distance > 0)) return;
  if (const auto pair = closest_pair(state_.positions, state_.cell, pbc_, config_.min_distance))
    fail(describe_close_pair(*pair, numbers_, config_.min_distance) + " (timestep too large?)");
}

std::map<std::string, std::uint64_t> MdRun::flushed_sizes() {
  std::map<std::string, std::uint64_t> sizes;
  thermo_->flush();
  sizes[kThermoCsv] = thermo_->csv().bytes();
  sizes[kThermoJsonl] = thermo_->jsonl().bytes();
  if (trajectory_) {
    trajectory_->flush();
    sizes[kTrajectory] = trajectory_->bytes();
  }
  if (dipole_) {
    dipole_->flush();
    sizes[kDipole] = dipole_->bytes();
  }
  return sizes;
}

void MdRun::checkpoint(const std::map<std::string, std::uint64_t>& sizes) {
  md::Checkpoint c;
  c.state = state_;
  c.state.eval.charges.clear();  // per-atom extras are not needed to continue
  c.state.eval.atomic_dipoles.clear();
  c.state.eval.bec.clear();
  c.rng_state = rng_.state();
  c.force_field_state = ff_.state();
  c.file_bytes = sizes;
  c.timestep_fs = config_.timestep_fs;
  c.ensemble = to_string(config_.ensemble);
  c.natoms = numbers_.size();
  md::write_checkpoint(path(kCheckpoint), c);
}

void MdRun::finish() {
  // The checkpoint records the sizes before the last dipole row: that row uses a one-sided
  // dM/dt, which a continuation replaces by the centred one.
  const auto sizes = flushed_sizes();
  if (dipole_ && pending_row_) {
    DipoleRow row = *pending_row_;
    if (state_.previous_dipole)
      row.dipole_rate = (*state_.eval.dipole - *state_.previous_dipole) / config_.timestep_fs;
    dipole_->append(row);
    dipole_->flush();
  }
  checkpoint(sizes);
  write_extxyz(path("final.xyz"), {md::restart_frame(state_, numbers_, pbc_, config_.timestep_fs)});
}

MdRunSummary MdRun::run(const Structure& start) {
  validate_md_setup(config_, start);
  if (config_.ensemble == Ensemble::npt && config_.barostat.coupling == Coupling::anisotropic &&
      !md::is_lower_triangular(start.cell))
    throw InputError(config_.source,
                     "barostat.coupling: anisotropic needs the cell in lower-triangular form (a "
                     "along x, b in the xy plane), as LAMMPS and GROMACS store it");
  ensure_directory(config_.output.dir);
  const std::vector<const char*> outputs = {kTrajectory, kThermoCsv, kThermoJsonl, kDipole,
                                            kCheckpoint};
  // Never write over what this run reads, whatever output.overwrite says (it only allows
  // replacing an earlier run's outputs): the config (e.g. a config named thermo.csv in
  // output.dir), the start structure (e.g. the final.xyz of an earlier run), the model.
  OutputGuard guard{{}, "output.dir", "output.overwrite", /*force=*/true};
  for (const std::string& input : {config_.source, config_.structure, config_.model})
    if (!input.empty()) guard.inputs.push_back(input);
  for (const char* name : outputs) guard.check(path(name));
  for (const char* name : {"final.xyz", "last_good.xyz"}) guard.check(path(name));
  if (options_.resume) {
    // The checkpoint being resumed is read, then replaced by the run's own newer checkpoints;
    // no other output may be the same file.
    OutputGuard resumed = guard;
    resumed.inputs = {path(kCheckpoint)};
    for (const char* name : outputs)
      if (std::string(name) != kCheckpoint) resumed.check(path(name));
    for (const char* name : {"final.xyz", "last_good.xyz"}) resumed.check(path(name));
  }
  if (!options_.resume) {
    for (const char* name : outputs) {
      if (!fs::exists(path(name))) continue;
      if (!config_.output.overwrite)
        throw InputError(config_.source, "output.dir: '" + config_.output.dir +
                                             "' already holds an MD run (" + name +
                                             "); set output.overwrite: true or resume it");
      fs::remove(path(name));
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  if (options_.resume) {
    resume();
  } else {
    start_fresh(start);
  }
  spdlog::info("md: {} atoms, {} ({} degrees of freedom), dt {} fs, steps {}..{}, output {}",
               numbers_.size(), to_string(config_.ensemble), integrator_.degrees_of_freedom(),
               config_.timestep_fs, state_.step, config_.steps, config_.output.dir);
  MdRunSummary summary;
  summary.first_step = state_.step;
  summary.output_dir = config_.output.dir;
  const double conserved_start = integrator_.conserved_energy(state_);
  long end = config_.steps;
  if (options_.stop_after_steps >= 0) end = std::min(end, options_.stop_after_steps);
  const std::size_t total = static_cast<std::size_t>(std::max(0L, end - state_.step));
  std::optional<Progress> progress;
  if (options_.progress) progress.emplace("md", total);
  double temperature_sum = 0;
  const auto loop_start = std::chrono::steady_clock::now();
  const long first = state_.step;
  while (state_.step < end) {
    last_good_ = state_;
    const std::optional<Vec3> dipole_now = state_.eval.dipole;
    try {
      integrator_.step(state_, rng_, [this](MdState& s) { evaluate(s); });
    } catch (const Error& e) {
      fail(std::string("the force field failed: ") + e.what());
    }
    check_sound();
    check_domain();
    check_uncertainty();
    state_.previous_dipole = dipole_now;
    if (dipole_ && pending_row_) {
      // Centred difference, O(dt²); the first row of a run is one-sided (forward), O(dt).
      const Vec3 m_next = *state_.eval.dipole;
      pending_row_->dipole_rate =
          last_good_.previous_dipole
              ? Vec3((m_next - *last_good_.previous_dipole) / (2 * config_.timestep_fs))
              : Vec3((m_next - *dipole_now) / config_.timestep_fs);
      dipole_->append(*pending_row_);
      pending_row_ = dipole_row();
    }
    temperature_sum += integrator_.temperature(state_.velocities);
    write_step_outputs();
    const int every = config_.output.checkpoint_every;
    if (every > 0 && state_.step % every == 0 && state_.step < end) checkpoint(flushed_sizes());
    if (progress) {
      const long done = state_.step - first;
      const double elapsed = std::max(1e-9, seconds_since(loop_start));
      const double ns_per_day = done * config_.timestep_fs * 1e-6 / (elapsed / 86400);
      const double atom_steps = done * static_cast<double>(numbers_.size()) / elapsed;
      char suffix[96];
      std::snprintf(suffix, sizeof suffix, "%.3g ns/day %.3g atom-steps/s", ns_per_day, atom_steps);
      progress->update(static_cast<std::size_t>(done), suffix);
    }
  }
  if (progress) progress->finish();
  finish();
  summary.last_step = state_.step;
  summary.wall_seconds = seconds_since(t0);
  summary.force_field_seconds = force_field_seconds_;
  summary.conserved_drift = integrator_.conserved_energy(state_) - conserved_start;
  summary.mean_temperature_K =
      state_.step > first ? temperature_sum / static_cast<double>(state_.step - first) : 0.0;
  summary.domain_checks = domain_checks_;
  summary.domain_outside = domain_outside_;
  if (domain_checks_ > 0)
    spdlog::info("md: {} of {} checked states outside the model's training domain; most novel: {}",
                 domain_outside_, domain_checks_, worst_domain_);
  summary.uncertainty_checks = uncertainty_checks_;
  summary.uncertainty_over = uncertainty_over_;
  summary.max_force_spread = std::max(0.0, worst_spread_);
  if (uncertainty_checks_ > 0)
    spdlog::info(
        "md: committee force spread over {:g} eV/Å in {} of {} checked states; largest {:.3g} "
        "eV/Å at step {}",
        config_.uncertainty.force_std, uncertainty_over_, uncertainty_checks_,
        summary.max_force_spread, worst_spread_step_);
  return summary;
}

}  // namespace

MdRunSummary run_md(const MdConfig& config, ForceField& force_field, const Structure& start,
                    const MdRunOptions& options) {
  MdRun run(config, force_field, start, options);
  return run.run(start);
}

}  // namespace lnet
