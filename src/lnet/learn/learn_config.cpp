#include "lnet/learn/learn_config.hpp"

#include <filesystem>

#include "lnet/core/error.hpp"
#include "lnet/util/yaml_section.hpp"

namespace lnet {

namespace {

std::vector<Vec3> read_fields(const YamlSection& s) {
  if (!s.has("fields")) return {Vec3::Zero()};
  std::vector<Vec3> out;
  const YAML::Node node = s.node()["fields"];
  if (!node.IsSequence() || node.size() == 0)
    throw s.error("fields", "expected a list of [Ex, Ey, Ez] (V/Å)");
  for (const YAML::Node& f : node) {
    std::vector<double> v;
    try {
      v = f.as<std::vector<double>>();
    } catch (const YAML::Exception&) {
      throw s.error("fields", "expected a list of [Ex, Ey, Ez] (V/Å)");
    }
    if (v.size() != 3) throw s.error("fields", "every field has 3 components (V/Å)");
    out.emplace_back(v[0], v[1], v[2]);
    if (!out.back().allFinite()) throw s.error("fields", "non-finite component");
  }
  return out;
}

std::map<std::string, std::string> read_string_map(const YamlSection& s, const std::string& key) {
  std::map<std::string, std::string> out;
  const YamlSection m = s.section(key);
  for (const std::string& k : m.keys()) out[k] = m.required<std::string>(k);
  return out;
}

std::array<int, 3> three_ints(const YamlSection& s, const std::string& key,
                              const std::array<int, 3>& fallback, int minimum) {
  const std::vector<int> v = s.get(key, std::vector<int>(fallback.begin(), fallback.end()));
  if (v.size() != 3) throw s.error(key, "expected 3 integers");
  for (int x : v)
    if (x < minimum) throw s.error(key, "every entry must be at least " + std::to_string(minimum));
  return {v[0], v[1], v[2]};
}

void read_explore(const YamlSection& s, const std::string& dir, LearnConfig& c) {
  s.check_keys({"structures", "temperatures", "strains", "fields", "steps", "snapshot_every",
                "timestep", "friction_tau", "min_distance", "seed"});
  for (const std::string& f : s.required<std::vector<std::string>>("structures"))
    c.structures.push_back(resolve_relative(dir, f));
  if (c.structures.empty()) throw s.error("structures", "at least one file");
  ExploreConfig& e = c.explore;
  e.temperatures = s.get("temperatures", e.temperatures);
  e.strains = s.get("strains", e.strains);
  e.fields = read_fields(s);
  e.steps = s.get("steps", e.steps);
  e.snapshot_every = s.get("snapshot_every", e.snapshot_every);
  e.timestep_fs = s.get("timestep", e.timestep_fs);
  e.friction_tau_fs = s.get("friction_tau", e.friction_tau_fs);
  e.min_distance = s.get("min_distance", e.min_distance);
  e.seed = s.get("seed", e.seed);
  if (e.temperatures.empty()) throw s.error("temperatures", "at least one temperature");
  for (double t : e.temperatures)
    if (!(t >= 0)) throw s.error("temperatures", "temperatures must be >= 0 K");
  if (e.strains.empty()) throw s.error("strains", "at least one strain (0 for none)");
  for (double x : e.strains)
    if (!(x > -50 && x < 50)) throw s.error("strains", "strains are percent in (-50, 50)");
  if (e.steps < 1) throw s.error("steps", "must be at least 1");
  if (e.snapshot_every < 1) throw s.error("snapshot_every", "must be at least 1");
  if (!(e.timestep_fs > 0)) throw s.error("timestep", "must be positive (fs)");
  if (!(e.friction_tau_fs > 0)) throw s.error("friction_tau", "must be positive (fs)");
  if (!(e.min_distance >= 0)) throw s.error("min_distance", "must be >= 0 (Å)");
}

void read_select(const YamlSection& s, SelectConfig& c) {
  s.check_keys({"lower", "upper", "max_frames", "min_distance", "fingerprint_cutoff"});
  c.lower = s.get("lower", c.lower);
  c.upper = s.get("upper", c.upper);
  c.max_frames = s.get("max_frames", c.max_frames);
  c.min_distance = s.get("min_distance", c.min_distance);
  c.fingerprint_cutoff = s.get("fingerprint_cutoff", c.fingerprint_cutoff);
  if (!(c.lower >= 0)) throw s.error("lower", "must be >= 0 (eV/Å)");
  if (!(c.upper > c.lower)) throw s.error("upper", "must be above lower (eV/Å)");
  if (c.max_frames < 1) throw s.error("max_frames", "must be at least 1");
  if (!(c.min_distance >= 0)) throw s.error("min_distance", "must be >= 0 (Å)");
  if (!(c.fingerprint_cutoff > 0)) throw s.error("fingerprint_cutoff", "must be positive (Å)");
}

void read_qe(const YamlSection& s, const std::string& dir, QeSettings& q) {
  s.check_keys({"pseudo_dir", "pseudopotentials", "ecutwfc", "ecutrho", "kpoints", "kpoint_shift",
                "smearing", "degauss", "conv_thr", "tr2_ph", "pw_command", "ph_command"});
  q.pseudo_dir =
      std::filesystem::absolute(resolve_relative(dir, s.required<std::string>("pseudo_dir")))
          .lexically_normal()
          .string();
  q.pseudopotentials = read_string_map(s, "pseudopotentials");
  if (q.pseudopotentials.empty())
    throw s.error("pseudopotentials", "required: element -> UPF file in pseudo_dir");
  q.ecutwfc = s.get("ecutwfc", q.ecutwfc);
  q.ecutrho = s.get("ecutrho", q.ecutrho);
  q.kpoints = three_ints(s, "kpoints", q.kpoints, 1);
  q.kpoint_shift = three_ints(s, "kpoint_shift", q.kpoint_shift, 0);
  for (int x : q.kpoint_shift)
    if (x > 1) throw s.error("kpoint_shift", "entries are 0 or 1");
  q.smearing = s.get("smearing", q.smearing);
  q.degauss = s.get("degauss", q.degauss);
  q.conv_thr = s.get("conv_thr", q.conv_thr);
  q.tr2_ph = s.get("tr2_ph", q.tr2_ph);
  q.pw_command = s.get("pw_command", q.pw_command);
  q.ph_command = s.get("ph_command", q.ph_command);
  if (!(q.ecutwfc > 0)) throw s.error("ecutwfc", "must be positive (Ry)");
  if (!(q.ecutrho >= 0)) throw s.error("ecutrho", "must be >= 0 (Ry; 0: 4 ecutwfc)");
  if (!(q.degauss > 0)) throw s.error("degauss", "must be positive (Ry)");
  if (!(q.conv_thr > 0)) throw s.error("conv_thr", "must be positive (Ry)");
  if (!(q.tr2_ph > 0)) throw s.error("tr2_ph", "must be positive");
}

}  // namespace

LearnConfig load_learn_config(const std::string& path) {
  const YamlSection top = YamlSection::load_file(path);
  top.check_keys({"training", "explore", "select", "label", "budget", "test_data", "output"});
  LearnConfig c;
  c.source = path;
  const std::string dir = std::filesystem::path(path).parent_path().string();

  const YamlSection tr = top.section("training");
  tr.check_keys({"config", "committee"});
  c.train_config_path = resolve_relative(dir, tr.required<std::string>("config"));
  c.committee = tr.get("committee", c.committee);
  if (c.committee < 1 || c.committee > 64) throw tr.error("committee", "must be in [1, 64]");
  c.training = load_train_config(c.train_config_path);

  read_explore(top.section("explore"), dir, c);
  read_select(top.section("select"), c.select);

  const YamlSection label = top.section("label");
  label.check_keys({"driver", "command", "born_fraction", "qe"});
  c.driver = label.required<std::string>("driver");
  c.born_fraction = label.get("born_fraction", c.born_fraction);
  if (!(c.born_fraction >= 0 && c.born_fraction <= 1))
    throw label.error("born_fraction", "must be in [0, 1]");
  if (c.driver == "command") {
    c.command = label.required<std::string>("command");
    if (label.has("qe")) throw label.error("qe", "only with driver: qe");
  } else if (c.driver == "qe") {
    if (label.has("command"))
      throw label.error("command", "only with driver: command (qe takes qe.pw_command)");
    read_qe(label.section("qe"), dir, c.qe);
  } else {
    throw label.error("driver", "expected qe or command, got '" + c.driver + "'");
  }

  const YamlSection budget = top.section("budget");
  budget.check_keys({"iterations", "dft_calls", "minutes"});
  c.max_iterations = budget.get("iterations", c.max_iterations);
  c.max_dft_calls = budget.get("dft_calls", c.max_dft_calls);
  c.max_minutes = budget.get("minutes", c.max_minutes);
  if (c.max_iterations < 0) throw budget.error("iterations", "must be >= 0");
  if (c.max_dft_calls < 0) throw budget.error("dft_calls", "must be >= 0");
  if (!(c.max_minutes >= 0)) throw budget.error("minutes", "must be >= 0 (0: no limit)");

  c.test_data = resolve_relative(dir, top.get("test_data", std::string()));
  const YamlSection out = top.section("output");
  out.check_keys({"dir"});
  c.output_dir = resolve_relative(dir, out.get("dir", c.output_dir));
  return c;
}

}  // namespace lnet
