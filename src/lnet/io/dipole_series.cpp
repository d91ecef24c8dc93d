#include "lnet/io/dipole_series.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "lnet/core/error.hpp"
#include "lnet/io/key_value_line.hpp"

namespace lnet {
namespace {

const char* kTitle = "# lnet md dipole series, format ";
const char* kColumns =
    "step,time_fs,Mx,My,Mz,dMdt_x,dMdt_y,dMdt_z,Ex,Ey,Ez,volume_A3,temperature_K";
constexpr int kFields = 13;

std::string where(const std::string& path, std::size_t line) {
  return path + ":" + std::to_string(line);
}

// The key=value pairs of a '#' metadata line into `out`; unknown keys are kept for the future
// (a newer writer may add some) and ignored.
void read_metadata(const std::string& text, const std::string& loc, DipoleSeries& out) {
  std::vector<KeyValue> pairs;
  try {
    pairs = parse_key_values(text);
  } catch (const Error& e) {
    throw InputError(loc, std::string("bad metadata line: ") + e.what());
  }
  for (const auto& kv : pairs) {
    double x = 0;
    long long n = 0;
    auto number = [&](double& target) {
      if (!parse_double(kv.value, x)) {
        throw InputError(loc, kv.key + ": expected a number, got '" + kv.value + "'");
      }
      target = x;
    };
    if (kv.key == "timestep_fs") {
      number(out.timestep_fs);
    } else if (kv.key == "target_temperature_K") {
      number(out.target_temperature_K);
    } else if (kv.key == "natoms") {
      if (!parse_int(kv.value, n) || n < 0)
        throw InputError(loc, "natoms: expected a count, got '" + kv.value + "'");
      out.natoms = static_cast<int>(n);
    } else if (kv.key == "ensemble") {
      out.ensemble = kv.value;
    }
  }
}

// One data row; false with `why` set when it does not parse.
bool parse_row(const std::string& line, DipoleSeries& out, std::string& why) {
  std::vector<std::string_view> fields;
  std::string_view rest(line);
  if (!rest.empty() && rest.back() == '\r') rest.remove_suffix(1);
  for (;;) {
    const auto comma = rest.find(',');
    fields.push_back(rest.substr(0, comma));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (fields.size() != kFields) {
    why = "expected " + std::to_string(kFields) + " comma-separated values (" + kColumns +
          "), got " + std::to_string(fields.size());
    return false;
  }
  long long step = 0;
  if (!parse_int(fields[0], step)) {
    why = "step: expected an integer, got '" + std::string(fields[0]) + "'";
    return false;
  }
  static const char* names[kFields] = {"step",   "time_fs",   "Mx",           "My", "Mz",
                                       "dMdt_x", "dMdt_y",    "dMdt_z",       "Ex", "Ey",
                                       "Ez",     "volume_A3", "temperature_K"};
  double v[kFields];
  for (int k = 1; k < kFields; ++k) {
    if (!parse_double(fields[k], v[k])) {
      why = std::string(names[k]) + ": expected a number, got '" + std::string(fields[k]) + "'";
      return false;
    }
    // A NaN time or dipole would turn every spectrum and eps_0 computed from the file into
    // NaN; it is refused here, at its line. dM/dt may be missing (nan) in files from other
    // tools: `lnet ir --source dipole` differentiates M instead.
    const bool rate = k >= 5 && k <= 7;
    if (!rate && !std::isfinite(v[k])) {
      why = std::string(names[k]) + ": expected a finite number, got '" + std::string(fields[k]) +
            "'";
      return false;
    }
  }
  out.step.push_back(static_cast<long>(step));
  out.time_fs.push_back(v[1]);
  out.dipole.emplace_back(v[2], v[3], v[4]);
  out.dipole_rate.emplace_back(v[5], v[6], v[7]);
  out.efield.emplace_back(v[8], v[9], v[10]);
  out.volume.push_back(v[11]);
  out.temperature.push_back(v[12]);
  return true;
}

}  // namespace

std::string dipole_series_header_text(const DipoleSeriesHeader& h) {
  std::string out = kTitle + std::to_string(kDipoleSeriesFormat) + "\n";
  out += "# timestep_fs=" + format_double(h.timestep_fs) + " natoms=" + std::to_string(h.natoms) +
         " ensemble=" + quote_value(h.ensemble) +
         " target_temperature_K=" + format_double(h.target_temperature_K) + "\n";
  out += std::string(kColumns) + "\n";
  return out;
}

std::string dipole_series_row_text(const DipoleRow& r) {
  std::string out = std::to_string(r.step);
  auto add = [&](double x) {
    out += ',';
    append_double(out, x);
  };
  add(r.time_fs);
  for (const Vec3* v : {&r.dipole, &r.dipole_rate, &r.efield})
    for (int k = 0; k < 3; ++k) add((*v)[k]);
  add(r.volume);
  add(r.temperature);
  out += '\n';
  return out;
}

DipoleSeries read_dipole_series(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, std::string("cannot open: ") + std::strerror(errno));
  DipoleSeries out;
  std::string line;
  std::size_t number = 0;
  bool columns_seen = false;
  while (std::getline(in, line)) {
    ++number;
    const bool complete = !in.eof();  // getline hit a newline
    const std::string loc = where(path, number);
    if (number == 1) {
      if (line.rfind(kTitle, 0) != 0)
        throw InputError(loc, std::string("expected the title line '") + kTitle + "1'");
      long long version = 0;
      if (!parse_int(std::string_view(line).substr(std::strlen(kTitle)), version))
        throw InputError(loc,
                         "expected a format version number after '" + std::string(kTitle) + "'");
      if (version != kDipoleSeriesFormat)
        throw InputError(loc, "unsupported dipole series format " + std::to_string(version) +
                                  " (this lnet reads format " +
                                  std::to_string(kDipoleSeriesFormat) + ")");
      continue;
    }
    if (!columns_seen) {
      if (!line.empty() && line[0] == '#') {
        read_metadata(line.substr(1), loc, out);
        continue;
      }
      if (line != kColumns)
        throw InputError(loc, std::string("expected the column header '") + kColumns + "'");
      columns_seen = true;
      continue;
    }
    if (line.empty() || line == "\r") continue;
    std::string why;
    if (!parse_row(line, out, why)) {
      if (!complete) {
        spdlog::warn("{}: dropping an incomplete last line ({})", loc, why);
        break;
      }
      throw InputError(loc, why);
    }
  }
  if (number == 0) throw InputError(path, "empty file: expected a dipole series header");
  if (!columns_seen)
    throw InputError(path, std::string("missing column header '") + kColumns + "'");
  return out;
}

DipoleSeriesWriter::DipoleSeriesWriter(AppendFile file, int flush_every)
    : file_(std::move(file)), flush_every_(std::max(1, flush_every)) {}

DipoleSeriesWriter::DipoleSeriesWriter(const std::string& path, const DipoleSeriesHeader& header,
                                       int flush_every)
    : DipoleSeriesWriter(AppendFile::create(path), flush_every) {
  file_.write(dipole_series_header_text(header));
  flush();
}

DipoleSeriesWriter DipoleSeriesWriter::resume(const std::string& path, std::uint64_t offset,
                                              int flush_every) {
  return DipoleSeriesWriter(AppendFile::resume(path, offset), flush_every);
}

void DipoleSeriesWriter::append(const DipoleRow& row) {
  file_.write(dipole_series_row_text(row));
  if (++pending_ >= flush_every_) flush();
}

void DipoleSeriesWriter::flush() {
  file_.flush();
  pending_ = 0;
}

}  // namespace lnet
