// The per-step cell-dipole time series that `lnet md` writes (dipole.dat) and `lnet ir` reads
// (DESIGN.md §4: md and analysis meet through this file, not through each other's code).
//
// Format 1, CSV with '#' header lines:
//   # lnet md dipole series, format 1
//   # timestep_fs=0.5 natoms=64 ensemble=nvt target_temperature_K=300
//   step,time_fs,Mx,My,Mz,dMdt_x,dMdt_y,dMdt_z,Ex,Ey,Ez,volume_A3,temperature_K
//   0,0,...
// Units: M in e·Å (the Born dipole from UNWRAPPED positions, so it is continuous in time),
// dM/dt in e·Å/fs, E in V/Å, volume in Å³ (0 for open systems), instantaneous kinetic
// temperature in K. target_temperature_K is 0 when the run has no thermostat (nve).
// dM/dt is the centred difference (M(n+1) − M(n−1)) / (2 dt), error O(dt²); the first and last
// rows use one-sided differences (error O(dt)). Numbers are written in the shortest decimal form
// that reads back as the same double.
#pragma once
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "lnet/core/structure.hpp"
#include "lnet/io/append_file.hpp"

namespace lnet {

struct DipoleSeriesHeader {
  double timestep_fs = 0;
  int natoms = 0;
  std::string ensemble;             // nve | nvt | npt (free text, no blanks)
  double target_temperature_K = 0;  // 0 if none
};

struct DipoleSeries {
  double timestep_fs = 0;
  int natoms = 0;
  std::string ensemble;
  double target_temperature_K = 0;  // 0 if none
  std::vector<long> step;
  std::vector<double> time_fs;
  std::vector<Vec3> dipole, dipole_rate, efield;  // e·Å, e·Å/fs, V/Å
  std::vector<double> volume, temperature;        // Å³, K
  std::size_t size() const { return step.size(); }
};

struct DipoleRow {
  long step = 0;
  double time_fs = 0;
  Vec3 dipole = Vec3::Zero(), dipole_rate = Vec3::Zero(), efield = Vec3::Zero();
  double volume = 0, temperature = 0;
};

// The format version this code writes and reads.
inline constexpr int kDipoleSeriesFormat = 1;

// Reads a whole file. InputError naming file:line and what was expected for a wrong or
// unsupported version line, a missing column header, a row with the wrong number of fields, a
// field that is not a number, or a time, M, E, volume or temperature that is not finite (nan,
// inf; the dM/dt columns may be nan). A last line without a newline that does not parse (a run
// killed mid-write) is dropped with a warning rather than an error.
DipoleSeries read_dipole_series(const std::string& path);

// Appends rows to a dipole series file. Rows are buffered and flushed every `flush_every` rows,
// on flush() and on destruction, so a killed run loses at most the last few rows.
class DipoleSeriesWriter {
 public:
  // Creates (truncates) `path` and writes the header lines. lnet::Error if it cannot be opened.
  DipoleSeriesWriter(const std::string& path, const DipoleSeriesHeader& header,
                     int flush_every = 100);
  // Reopens an existing file to continue a run: truncates it to `offset` bytes (a size recorded
  // by bytes() at a checkpoint) and appends after it. lnet::Error if the file is missing or
  // shorter than `offset`.
  static DipoleSeriesWriter resume(const std::string& path, std::uint64_t offset,
                                   int flush_every = 100);

  void append(const DipoleRow& row);
  void flush();
  // Bytes in the file once flushed (header + rows written so far).
  std::uint64_t bytes() const { return file_.bytes(); }
  const std::string& path() const { return file_.path(); }

 private:
  DipoleSeriesWriter(AppendFile file, int flush_every);
  AppendFile file_;
  int flush_every_;
  int pending_ = 0;
};

// The header lines (with their newlines) and one row as written; exposed for tests.
std::string dipole_series_header_text(const DipoleSeriesHeader& header);
std::string dipole_series_row_text(const DipoleRow& row);

}  // namespace lnet
