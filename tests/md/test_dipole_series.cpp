#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include "common/error_of.hpp"
#include "lnet/io/dipole_series.hpp"

namespace lnet {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("lnet_md_" + name)).string();
}

TEST(DipoleSeries, RoundTripsExactly) {
  const std::string path = temp_path("dipole_roundtrip.dat");
  DipoleSeriesHeader h{0.5, 64, "nvt", 300};
  std::vector<DipoleRow> rows;
  {
    DipoleSeriesWriter w(path, h, 2);
    for (int n = 0; n < 5; ++n) {
      DipoleRow r;
      r.step = n;
      r.time_fs = 0.5 * n;
      r.dipole = Vec3(0.1 * n, -1.0 / 3, 1e-17 * n);
      r.dipole_rate = Vec3(std::sqrt(2.0), -0.0, 1e300);
      r.efield = Vec3(0, 0, 0.01);
      r.volume = 1234.5678901234567;
      r.temperature = 300.0 + n / 7.0;
      rows.push_back(r);
      w.append(r);
    }
  }
  const DipoleSeries s = read_dipole_series(path);
  EXPECT_EQ(s.timestep_fs, 0.5);
  EXPECT_EQ(s.natoms, 64);
  EXPECT_EQ(s.ensemble, "nvt");
  EXPECT_EQ(s.target_temperature_K, 300);
  ASSERT_EQ(s.size(), rows.size());
  for (std::size_t n = 0; n < rows.size(); ++n) {
    EXPECT_EQ(s.step[n], rows[n].step);
    EXPECT_EQ(s.time_fs[n], rows[n].time_fs);
    EXPECT_EQ(s.dipole[n], rows[n].dipole);  // bit-exact: shortest round-trip decimal
    EXPECT_EQ(s.dipole_rate[n], rows[n].dipole_rate);
    EXPECT_EQ(s.efield[n], rows[n].efield);
    EXPECT_EQ(s.volume[n], rows[n].volume);
    EXPECT_EQ(s.temperature[n], rows[n].temperature);
  }
}

TEST(DipoleSeries, ResumeTruncatesToOffset) {
  const std::string path = temp_path("dipole_resume.dat");
  DipoleSeriesHeader h{1.0, 2, "nve", 0};
  std::uint64_t offset = 0;
  {
    DipoleSeriesWriter w(path, h);
    DipoleRow r;
    w.append(r);
    w.flush();
    offset = w.bytes();
    r.step = 99;  // a row a crashed run wrote after its checkpoint
    w.append(r);
  }
  {
    DipoleSeriesWriter w = DipoleSeriesWriter::resume(path, offset);
    DipoleRow r;
    r.step = 1;
    w.append(r);
  }
  const DipoleSeries s = read_dipole_series(path);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s.step[1], 1);
  EXPECT_THROW(DipoleSeriesWriter::resume(path, 1u << 30), Error);
}

TEST(DipoleSeries, MalformedLineNamesFileAndLine) {
  const std::string path = temp_path("dipole_bad.dat");
  {
    std::ofstream out(path);
    out << dipole_series_header_text({0.5, 2, "nvt", 300});
    out << dipole_series_row_text(DipoleRow{});
    out << "1,0.5,1,2,3,4,5,6,7,8\n";  // line 5: 10 fields
    out << dipole_series_row_text(DipoleRow{});
  }
  const std::string message = testing::error_of([&] { read_dipole_series(path); });
  EXPECT_NE(message.find(path + ":5"), std::string::npos) << message;
  EXPECT_NE(message.find("expected 13"), std::string::npos) << message;

  {
    std::ofstream out(path);
    out << "# lnet md dipole series, format 2\n";
  }
  const std::string version = testing::error_of([&] { read_dipole_series(path); });
  EXPECT_NE(version.find(path + ":1"), std::string::npos) << version;
  EXPECT_NE(version.find("format 2"), std::string::npos) << version;

  {
    std::ofstream out(path);
    out << dipole_series_header_text({0.5, 2, "nvt", 300});
    out << "0,0,1,2,x,0,0,0,0,0,0,0,0\n";
  }
  const std::string field = testing::error_of([&] { read_dipole_series(path); });
  EXPECT_NE(field.find(path + ":4"), std::string::npos) << field;
  EXPECT_NE(field.find("'x'"), std::string::npos) << field;
}

// A NaN or infinite time or dipole would make every spectrum and eps_0 from the file NaN: it
// is an error at its line, naming the column. dM/dt may be nan (`lnet ir --source dipole`).
TEST(DipoleSeries, NonFiniteValuesNameFileLineAndColumn) {
  const std::string path = temp_path("dipole_nan.dat");
  const std::string header = dipole_series_header_text({0.5, 2, "nvt", 300});
  const std::string good = dipole_series_row_text(DipoleRow{});
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"1,nan,1,2,3,0,0,0,0,0,0,100,300\n", "time_fs: expected a finite number, got 'nan'"},
      {"1,0.5,1,-inf,3,0,0,0,0,0,0,100,300\n", "My: expected a finite number, got '-inf'"},
      {"1,0.5,1,2,3,0,0,0,0,0,NaN,100,300\n", "Ez: expected a finite number"},
      {"1,0.5,1,2,3,0,0,0,0,0,0,100,inf\n", "temperature_K: expected a finite number"}};
  for (const auto& [row, what] : rows) {
    std::ofstream(path) << header << good << row << good;
    const std::string message = testing::error_of([&] { read_dipole_series(path); });
    EXPECT_NE(message.find(path + ":5: " + what), std::string::npos) << message;
  }
  std::ofstream(path) << header << good << "1,0.5,1,2,3,nan,nan,nan,0,0,0,100,300\n" << good;
  EXPECT_EQ(read_dipole_series(path).size(), 3u);
}

TEST(DipoleSeries, DropsIncompleteLastLine) {
  const std::string path = temp_path("dipole_partial.dat");
  {
    std::ofstream out(path);
    out << dipole_series_header_text({0.5, 2, "nvt", 300});
    out << dipole_series_row_text(DipoleRow{});
    out << "1,0.5,1,2";  // a run killed mid-write
  }
  EXPECT_EQ(read_dipole_series(path).size(), 1u);
}

}  // namespace
}  // namespace lnet
