// `lnet electrostatics`: electrostatic energy, forces, site potentials and fields of the frames
// of an extended-XYZ file, from per-element or per-atom charges, dipoles and Gaussian widths.
#include "lnet/electrostatics/electrostatics.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>

#include "lnet/cli/commands.hpp"
#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/io/reference_frame.hpp"
#include "lnet/util/output_guard.hpp"

namespace lnet::cli {
namespace {

struct EsOptions {
  std::string input, output;
  std::vector<std::string> charges, sigmas;
  std::string charges_column, dipoles_column, method = "auto";
  double accuracy = 1e-5;
  bool force = false;
};

// "Na=1" pairs -> {11: 1.0}; errors name the option and the offending text.
std::map<int, double> per_element(const std::vector<std::string>& items,
                                  const std::string& option) {
  std::map<int, double> out;
  for (const std::string& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos)
      throw InputError(option, "expected ELEMENT=VALUE, got '" + item + "'");
    try {
      out[atomic_number(item.substr(0, eq))] = std::stod(item.substr(eq + 1));
    } catch (const std::logic_error&) {
      throw InputError(option, "expected ELEMENT=VALUE with a number, got '" + item + "'");
    }
  }
  return out;
}

// Per-atom real column `name` with `ncols` values per atom, as an [N, ncols] tensor.
torch::Tensor column(const Structure& s, const std::string& name, int ncols,
                     const std::string& where) {
  for (const auto& [key, col] : s.extra_arrays) {
    if (key != name) continue;
    if (col.ncols != ncols)
      throw InputError(
          where, "column '" + name + "' must have " + std::to_string(ncols) + " values per atom");
    std::vector<double> v;
    v.reserve(col.values.size());
    for (const std::string& t : col.values) {
      try {
        v.push_back(std::stod(t));
      } catch (const std::logic_error&) {
        throw InputError(where, "column '" + name + "' holds a non-number '" + t + "'");
      }
    }
    return torch::tensor(v, torch::kFloat64).view({int64_t(s.size()), ncols});
  }
  throw InputError(where, "no per-atom column '" + name + "'");
}

torch::Tensor from_elements(const Structure& s, const std::map<int, double>& table, bool required,
                            const std::string& where) {
  std::vector<double> v(s.size(), 0.0);
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto it = table.find(s.numbers[i]);
    if (it != table.end())
      v[i] = it->second;
    else if (required)
      throw InputError(where, "no value given for element " + element_symbol(s.numbers[i]));
  }
  return torch::tensor(v, torch::kFloat64);
}

std::string yes_no(bool b) { return b ? "T" : "F"; }

// The geometry checks of one frame, with what is wrong in the user's terms: the library would
// report a mixed cell as unsupported, an infinite cell entry as a zero or singular vector.
void check_geometry(const Structure& s, const std::string& where) {
  if (s.size() == 0) throw InputError(where, "the frame has no atoms");
  if (s.pbc[0] != s.pbc[1] || s.pbc[1] != s.pbc[2])
    throw InputError(where, "mixed periodic boundaries (pbc=\"" + yes_no(s.pbc[0]) + " " +
                                yes_no(s.pbc[1]) + " " + yes_no(s.pbc[2]) +
                                "\") are not supported by the electrostatics: make all three "
                                "axes periodic or none");
  if (!s.pbc[0]) return;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
      if (!std::isfinite(s.cell(r, c)))
        throw InputError(where, "cell entry (" + std::to_string(r) + "," + std::to_string(c) +
                                    ") is not finite (" + std::to_string(s.cell(r, c)) + ")");
}

es::Sites to_sites(const Structure& s, const EsOptions& o, const std::string& where) {
  es::Sites sites;
  check_geometry(s, where);
  sites.periodic = s.pbc[0];
  std::vector<double> pos;
  for (const Vec3& r : s.positions) pos.insert(pos.end(), {r.x(), r.y(), r.z()});
  sites.positions = torch::tensor(pos, torch::kFloat64).view({int64_t(s.size()), 3});
  std::vector<double> cell;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) cell.push_back(s.cell(r, c));
  sites.cell = torch::tensor(cell, torch::kFloat64).view({3, 3});
  if (!o.charges_column.empty())
    sites.charges = column(s, o.charges_column, 1, where).view({-1});
  else if (!o.charges.empty())
    sites.charges = from_elements(s, per_element(o.charges, "--charge"), true, where + " --charge");
  if (!o.dipoles_column.empty()) sites.dipoles = column(s, o.dipoles_column, 3, where);
  if (!o.sigmas.empty())
    sites.sigma = from_elements(s, per_element(o.sigmas, "--sigma"), false, where);
  return sites;
}

void set_column(Structure& s, const std::string& name, const torch::Tensor& values) {
  Structure::Column col;
  col.type = 'R';
  col.ncols = values.dim() == 1 ? 1 : int(values.size(1));
  torch::Tensor flat = values.contiguous().view({-1});
  char buf[32];
  for (int64_t k = 0; k < flat.numel(); ++k) {
    std::snprintf(buf, sizeof buf, "%.10g", flat[k].item<double>());
    col.values.emplace_back(buf);
  }
  for (auto& [key, c] : s.extra_arrays)
    if (key == name) {
      c = col;
      return;
    }
  s.extra_arrays.emplace_back(name, col);
}

void store(Structure& s, const es::SiteResult& r, bool periodic) {
  s.energy = r.energy.item<double>();
  std::vector<Vec3> f(s.size());
  for (std::size_t i = 0; i < s.size(); ++i)
    f[i] = Vec3(r.forces[i][0].item<double>(), r.forces[i][1].item<double>(),
                r.forces[i][2].item<double>());
  s.forces = f;
  s.stress.reset();
  s.virial.reset();
  if (periodic) {
    Mat3 w;
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) w(a, b) = r.virial[a][b].item<double>();
    s.virial = w;
  }
  set_column(s, "potential", r.potential);
  set_column(s, "field", r.field);
}

// One frame: energy line printed, results stored in `frame`. Every error names the frame.
void run_frame(const es::Electrostatics& engine, const EsOptions& o, Structure& frame,
               std::size_t k) {
  const std::string where = o.input + " frame " + std::to_string(k + 1);
  try {
    es::Sites sites = to_sites(frame, o, where);
    const es::Parameters p = engine.resolve(sites);
    const es::SiteResult r = es::evaluate(engine, sites);
    const double energy = r.energy.item<double>();
    // Finite inputs at distinct sites give finite results; this is the last guard, so that a
    // NaN is never printed as a result.
    if (!std::isfinite(energy) || !torch::isfinite(r.forces).all().item<bool>())
      throw InputError(where, "the electrostatic energy or forces are not finite (" +
                                  std::to_string(energy) + " eV)");
    std::printf("frame %zu: energy %.10f eV  (%s)\n", k + 1, energy, p.describe().c_str());
    frame = reference_frame(frame);  // results only under the usual keys
    store(frame, r, sites.periodic);
  } catch (const InputError& e) {
    if (std::string(e.what()).rfind(where, 0) == 0) throw;
    throw InputError(where, e.what());
  } catch (const Error& e) {
    throw InputError(where, e.what());
  } catch (const c10::Error& e) {  // libtorch's message without its backtrace
    throw InputError(where, "electrostatics failed: " + e.msg());
  }
}

void run(const EsOptions& o) {
  es::Settings settings;
  settings.method = es::parse_method(o.method);
  settings.accuracy = o.accuracy;
  settings.method_setting = "--method";
  settings.accuracy_setting = "--accuracy";
  es::Electrostatics engine(settings);
  if (!o.output.empty()) OutputGuard{{o.input}, "-o/--output", "--force", o.force}.check(o.output);
  if (o.charges.empty() && o.charges_column.empty() && o.dipoles_column.empty())
    throw InputError("lnet electrostatics",
                     "give charges (--charge or --charges-column) and/or --dipoles-column");
  std::vector<Structure> frames = read_extxyz(o.input);
  if (frames.empty()) throw InputError(o.input, "no frames (the file is empty)");
  for (std::size_t k = 0; k < frames.size(); ++k) run_frame(engine, o, frames[k], k);
  if (!o.output.empty()) {
    write_extxyz(o.output, frames);
    std::printf("wrote energy, forces, virial, potential (V) and field (V/A) per atom to %s\n",
                o.output.c_str());
  }
}

}  // namespace

Action add_electrostatics(CLI::App& app) {
  auto o = std::make_shared<EsOptions>();
  CLI::App* sub = app.add_subcommand("electrostatics",
                                     "Ewald/PME/direct electrostatics of an extended-XYZ file");
  sub->add_option("file", o->input, "extended XYZ input")->required()->check(CLI::ExistingFile);
  sub->add_option("--charge", o->charges, "charge per element, e.g. --charge Na=1 --charge Cl=-1");
  sub->add_option("--charges-column", o->charges_column,
                  "per-atom charge column instead of --charge");
  sub->add_option("--dipoles-column", o->dipoles_column, "per-atom dipole column (3 values, e*A)");
  sub->add_option("--sigma", o->sigmas, "Gaussian width per element in A (default 0: point sites)");
  sub->add_option("--method", o->method, "auto, ewald, pme or direct")->capture_default_str();
  sub->add_option("--accuracy", o->accuracy, "relative RMS force accuracy")->capture_default_str();
  sub->add_option("-o,--output", o->output, "write results to this extended XYZ file");
  sub->add_flag("--force", o->force, "replace an existing output file");
  return [o] { run(*o); };
}

}  // namespace lnet::cli
