#include "lnet/learn/explore.hpp"

#include <spdlog/spdlog.h>

#include <cmath>

#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/neighbor_list.hpp"
#include "lnet/md/integrator.hpp"
#include "lnet/md/md_setup.hpp"

namespace lnet {

namespace {

std::string number_text(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

Structure strained(const Structure& s, double percent) {
  Structure out = s;
  const double f = 1 + percent / 100;
  out.cell *= f;
  for (Vec3& r : out.positions) r *= f;
  return out;
}

Vec3 wrapped(const Vec3& r, const Mat3& cell, const std::array<bool, 3>& pbc) {
  if (!(pbc[0] && pbc[1] && pbc[2])) return r;
  Vec3 frac = cell.transpose().colPivHouseholderQr().solve(r);
  for (int k = 0; k < 3; ++k) frac(k) -= std::floor(frac(k));
  return cell.transpose() * frac;
}

double shortest_contact(const Structure& s, double cutoff) {
  const NeighborList nl = build_neighbor_list(s.positions, s.cell, s.pbc, cutoff);
  double shortest = cutoff;
  for (std::size_t p = 0; p < nl.size(); ++p) {
    Vec3 d = s.positions[nl.second[p]] - s.positions[nl.first[p]];
    for (int k = 0; k < 3; ++k) d += nl.shifts[p][k] * s.cell.row(k).transpose();
    shortest = std::min(shortest, d.norm());
  }
  return shortest;
}

struct Run {
  const Structure& start;
  double temperature, strain;
  Vec3 field;
  int seed;
};

void run_one(const Run& run, Committee& committee, const ExploreConfig& c,
             std::vector<Snapshot>& out) {
  CommitteeForceField mean(committee);
  md::IntegratorSettings settings;
  settings.timestep_fs = c.timestep_fs;
  settings.ensemble = Ensemble::nvt;
  settings.thermostat.type = ThermostatType::langevin;
  settings.thermostat.tau_fs = c.friction_tau_fs;
  settings.temperature_K = run.temperature;
  settings.remove_com = false;  // Langevin noise acts per atom; nothing to conserve
  const Structure start = strained(run.start, run.strain);
  md::Integrator integrator(settings, md::atom_masses(start, {}), {});
  md::Rng rng(static_cast<std::uint64_t>(run.seed));
  md::MdState state;
  state.positions = start.positions;
  state.cell = start.cell;
  state.velocities.assign(start.size(), Vec3::Zero());
  for (std::size_t i = 0; i < start.size(); ++i) {
    // Maxwell-Boltzmann: variance k_B T / m in (Å/fs)^2.
    const double sigma = std::sqrt(units::kb * run.temperature /
                                   (integrator.masses()[i] * units::amu_a2_per_fs2_to_ev));
    state.velocities[i] = sigma * Vec3(rng.normal(), rng.normal(), rng.normal());
  }
  Structure frame = start;
  auto evaluate = [&](md::MdState& st) {
    frame.positions = st.positions;
    frame.cell = st.cell;
    if (c.min_distance > 0) {
      const double d = shortest_contact(frame, c.min_distance);
      if (d < c.min_distance)
        throw Error("atoms " + number_text(d) + " Å apart, closer than min_distance");
    }
    st.efield = run.field;
    st.eval = mean.evaluate(frame, run.field, EvalRequest());
    for (const Vec3& f : st.eval.forces)
      if (!f.allFinite()) throw Error("non-finite committee forces");
  };
  auto snapshot = [&](const md::MdState& st, const CommitteeEvaluation& ev) {
    Snapshot snap;
    snap.structure.numbers = start.numbers;
    snap.structure.cell = st.cell;
    snap.structure.pbc = start.pbc;
    for (const Vec3& r : st.positions)
      snap.structure.positions.push_back(wrapped(r, st.cell, start.pbc));
    snap.force_std_max = ev.force_std_max;
    snap.energy_std_per_atom = ev.energy_std_per_atom;
    auto& info = snap.structure.info;
    info["learn_temperature"] = number_text(run.temperature);
    info["learn_strain"] = number_text(run.strain);
    info["learn_efield"] = "\"" + number_text(run.field(0)) + " " + number_text(run.field(1)) +
                           " " + number_text(run.field(2)) + "\"";
    info["learn_step"] = std::to_string(st.step);
    info["learn_force_std"] = number_text(snap.force_std_max);
    info["learn_energy_std"] = number_text(snap.energy_std_per_atom);
    out.push_back(std::move(snap));
  };
  try {
    evaluate(state);
  } catch (const Error& e) {
    spdlog::warn("explore: T {} K, strain {} %: the start fails: {}", run.temperature, run.strain,
                 e.what());
    return;
  }
  md::MdState last_good = state;
  CommitteeEvaluation last_good_eval = mean.last();
  for (long step = 1; step <= c.steps; ++step) {
    try {
      integrator.step(state, rng, evaluate);
    } catch (const Error& e) {
      spdlog::warn("explore: T {} K, strain {} %: stopped at step {}: {}", run.temperature,
                   run.strain, step, e.what());
      // The last sound state before the failure, if it is not a snapshot already.
      if (last_good.step % c.snapshot_every != 0) snapshot(last_good, last_good_eval);
      return;
    }
    if (step % c.snapshot_every == 0) snapshot(state, mean.last());
    last_good = state;
    last_good_eval = mean.last();
  }
}

}  // namespace

std::vector<Snapshot> explore(const std::vector<Structure>& starts, Committee& committee,
                              const ExploreConfig& c) {
  if (c.snapshot_every < 1 || c.steps < 1 || c.timestep_fs <= 0)
    throw Error("explore: steps, snapshot_every and timestep must be positive");
  for (const Vec3& f : c.fields)
    if (f.norm() > 0 && !committee.has_dipole())
      throw Error("explore: a field needs long-range (dipole) models; these are short-range");
  std::vector<Snapshot> out;
  int run_index = 0;
  for (const Structure& start : starts)
    for (double t : c.temperatures)
      for (double strain : c.strains)
        for (const Vec3& field : c.fields) {
          const Run run{start, t, strain, field, c.seed * 1000003 + run_index++};
          run_one(run, committee, c, out);
        }
  return out;
}

Snapshot snapshot_from_info(const Structure& s, const std::string& where) {
  Snapshot snap;
  snap.structure = s;
  auto number = [&](const char* key) {
    auto it = s.info.find(key);
    if (it == s.info.end()) throw InputError(where, std::string("no ") + key + " in the frame");
    try {
      return std::stod(it->second);
    } catch (const std::exception&) {
      throw InputError(where, std::string(key) + ": not a number: " + it->second);
    }
  };
  snap.force_std_max = number("learn_force_std");
  snap.energy_std_per_atom = number("learn_energy_std");
  return snap;
}

}  // namespace lnet
