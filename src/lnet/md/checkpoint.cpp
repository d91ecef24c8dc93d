#include "lnet/md/checkpoint.hpp"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "lnet/core/error.hpp"
#include "lnet/md/random.hpp"
#include "lnet/util/atomic_file.hpp"

namespace lnet::md {
namespace {

using json = nlohmann::json;

json vec(const Vec3& v) { return json::array({v[0], v[1], v[2]}); }
json mat(const Mat3& m) { return json::array({vec(m.row(0)), vec(m.row(1)), vec(m.row(2))}); }
json vecs(const std::vector<Vec3>& vs) {
  json out = json::array();
  for (const auto& v : vs) out.push_back(vec(v));
  return out;
}

// A value as quoted in a message, cut short (a corrupted entry may be a long list or text).
std::string shown(const json& x) {
  std::string text = x.dump();
  return text.size() > 40 ? text.substr(0, 37) + "..." : text;
}

struct Reader {
  const json& j;
  std::string path;

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw InputError(path, "checkpoint entry '" + key + "': " + what);
  }
  const json& at(const std::string& key) const {
    if (!j.contains(key)) fail(key, "missing");
    return j.at(key);
  }
  // Every number of a checkpoint is finite: a NaN or an infinity must fail here, naming the
  // entry, not at the next MD step.
  double number(const json& x, const std::string& key) const {
    if (!x.is_number()) fail(key, "expected a number, got " + shown(x));
    const double v = x.get<double>();
    if (!std::isfinite(v)) fail(key, "expected a finite number, got " + shown(x));
    return v;
  }
  // A whole number >= `min` (a step or a count: 12.5 or -3 is a corrupted file).
  long integer(const std::string& key, long min) const {
    const json& x = at(key);
    bool ok = x.is_number_integer();
    if (ok && x.is_number_unsigned())
      ok = x.get<std::uint64_t>() <= std::uint64_t(std::numeric_limits<long>::max()) &&
           x.get<long>() >= min;
    else if (ok)
      ok = x.get<std::int64_t>() >= min;
    if (!ok) fail(key, "expected a whole number >= " + std::to_string(min) + ", got " + shown(x));
    return x.get<long>();
  }
  Vec3 vec3(const json& x, const std::string& key) const {
    if (!x.is_array() || x.size() != 3) fail(key, "expected 3 numbers");
    return Vec3(number(x[0], key), number(x[1], key), number(x[2], key));
  }
  Mat3 mat3(const json& x, const std::string& key) const {
    if (!x.is_array() || x.size() != 3) fail(key, "expected a 3x3 matrix");
    Mat3 m;
    for (int r = 0; r < 3; ++r) m.row(r) = vec3(x[r], key).transpose();
    return m;
  }
  std::vector<Vec3> vec3s(const std::string& key, std::size_t n) const {
    const json& x = at(key);
    if (!x.is_array() || x.size() != n)
      fail(key, "expected " + std::to_string(n) + " vectors (one per atom, natoms), got " +
                    (x.is_array() ? std::to_string(x.size()) : std::string("no list")));
    std::vector<Vec3> out;
    for (std::size_t i = 0; i < n; ++i)
      out.push_back(vec3(x[i], key + ", atom " + std::to_string(i + 1)));
    return out;
  }
  std::optional<Vec3> optional_vec3(const std::string& key) const {
    const json& x = at(key);
    if (x.is_null()) return std::nullopt;
    return vec3(x, key);
  }
  std::string text(const std::string& key) const {
    const json& x = at(key);
    if (!x.is_string()) fail(key, "expected a string");
    return x.get<std::string>();
  }
};

}  // namespace

std::string checkpoint_text(const Checkpoint& c) {
  const MdState& s = c.state;
  json j;
  j["format"] = "lnet md checkpoint";
  j["version"] = kCheckpointFormat;
  j["natoms"] = c.natoms;
  j["timestep_fs"] = c.timestep_fs;
  j["ensemble"] = c.ensemble;
  j["step"] = s.step;
  j["cell"] = mat(s.cell);
  j["positions"] = vecs(s.positions);
  j["velocities"] = vecs(s.velocities);
  j["energy"] = s.eval.energy;
  j["forces"] = vecs(s.eval.forces);
  j["virial"] = s.eval.virial ? mat(*s.eval.virial) : json(nullptr);
  j["dipole"] = s.eval.dipole ? vec(*s.eval.dipole) : json(nullptr);
  j["efield"] = vec(s.efield);
  j["previous_dipole"] = s.previous_dipole ? vec(*s.previous_dipole) : json(nullptr);
  j["thermostat_heat"] = s.thermostat_heat;
  j["barostat_heat"] = s.barostat_heat;
  j["field_work"] = s.field_work;
  j["rng"] = c.rng_state;
  j["force_field_state"] = c.force_field_state;
  j["file_bytes"] = c.file_bytes;
  return j.dump(1) + "\n";
}

Checkpoint parse_checkpoint(const std::string& text, const std::string& path) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw InputError(path, std::string("not a valid checkpoint (JSON): ") + e.what());
  }
  if (!j.is_object() || j.value("format", "") != "lnet md checkpoint")
    throw InputError(path, "not an lnet md checkpoint");
  const Reader r{j, path};
  const double version = r.number(r.at("version"), "version");
  if (version != kCheckpointFormat)
    throw InputError(path, "checkpoint format " + std::to_string(static_cast<int>(version)) +
                               " is not supported (this lnet reads " +
                               std::to_string(kCheckpointFormat) + ")");
  Checkpoint c;
  c.natoms = static_cast<std::size_t>(r.integer("natoms", 1));
  c.timestep_fs = r.number(r.at("timestep_fs"), "timestep_fs");
  if (!(c.timestep_fs > 0)) r.fail("timestep_fs", "expected a positive time step (fs)");
  c.ensemble = r.text("ensemble");
  if (c.ensemble != "nve" && c.ensemble != "nvt" && c.ensemble != "npt")
    r.fail("ensemble", "expected nve, nvt or npt, got '" + c.ensemble + "'");
  MdState& s = c.state;
  s.step = r.integer("step", 0);
  s.cell = r.mat3(r.at("cell"), "cell");
  s.positions = r.vec3s("positions", c.natoms);
  s.velocities = r.vec3s("velocities", c.natoms);
  s.eval.energy = r.number(r.at("energy"), "energy");
  s.eval.forces = r.vec3s("forces", c.natoms);
  if (!r.at("virial").is_null()) s.eval.virial = r.mat3(r.at("virial"), "virial");
  s.eval.dipole = r.optional_vec3("dipole");
  s.efield = r.vec3(r.at("efield"), "efield");
  s.previous_dipole = r.optional_vec3("previous_dipole");
  s.thermostat_heat = r.number(r.at("thermostat_heat"), "thermostat_heat");
  s.barostat_heat = r.number(r.at("barostat_heat"), "barostat_heat");
  s.field_work = r.number(r.at("field_work"), "field_work");
  c.rng_state = r.text("rng");
  try {
    Rng(0).restore(c.rng_state);
  } catch (const Error&) {
    r.fail("rng", "not a saved state of the random number generator");
  }
  c.force_field_state = r.text("force_field_state");
  const json& files = r.at("file_bytes");
  if (!files.is_object()) r.fail("file_bytes", "expected an object of file sizes");
  for (const auto& [name, size] : files.items()) {
    if (!size.is_number_unsigned()) r.fail("file_bytes." + name, "expected a byte count");
    c.file_bytes[name] = size.get<std::uint64_t>();
  }
  return c;
}

void write_checkpoint(const std::string& path, const Checkpoint& c) {
  write_file_atomic(path, checkpoint_text(c));
}

Checkpoint read_checkpoint(const std::string& path) {
  return parse_checkpoint(read_file(path), path);
}

}  // namespace lnet::md
