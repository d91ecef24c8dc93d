#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/small_disk.hpp"
#include "common/time_limit.hpp"
#include "lnet/core/error.hpp"
#include "lnet/io/extxyz.hpp"

namespace lnet {
namespace {

std::vector<Structure> parse(const std::string& text) {
  std::istringstream in(text);
  return parse_extxyz(in, "test.xyz");
}

std::string write(const std::vector<Structure>& frames) {
  std::ostringstream out;
  write_extxyz(out, frames);
  return out.str();
}

// The message of the InputError that parsing `text` throws ("" if it does not throw).
std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "in: " << (haystack)

// Written by ASE 3.22.1 (ase.io.write(..., format="extxyz")) for two Atoms: NaCl with a
// SinglePointCalculator (energy, forces, Voigt stress), per-atom bec (asymmetric, row-major),
// int and bool arrays, info with an escaped quote, bool, int, an asymmetric virial; and a water
// slab (pbc T T F, zero c row) with a per-frame BEC as _JSON and free_energy.
const char* const kAseText = R"(2
Lattice="2.8 0.0 0.0 0.1 2.9 0.0 0.2 0.3 3.0" Properties=species:S:1:pos:R:3:bec:R:9:tag2:I:1:fixed:L:1:forces:R:3 config_type="rock \"salt\"" dipole="0.1 -0.2 0.3" flag=T n_iter=7 virial="1.0 4.0 7.0 2.0 5.0 8.0 3.0 6.0 9.0" energy=-7.5 stress="0.01 0.006 0.005 0.006 0.02 0.004 0.005 0.004 0.03" pbc="T T T"
Na       0.10000000       0.20000000       0.30000000       1.10000000       0.01000000       0.02000000       0.03000000       1.20000000       0.04000000       0.05000000       0.06000000       1.30000000        1  T       0.10000000       0.20000000       0.30000000
Cl       1.40000000       1.50000000       1.60000000      -1.10000000       0.00000000       0.00000000       0.00000000      -1.20000000       0.00000000       0.00000000       0.00000000      -1.30000000        2  F      -0.10000000      -0.20000000      -0.30000000
3
Lattice="5.0 0.0 0.0 0.0 6.0 0.0 0.0 0.0 0.0" Properties=species:S:1:pos:R:3 BEC="_JSON [[[0.4, 0.0, 0.0], [0.0, 0.4, 0.0], [0.0, 0.0, 0.5]], [[0.4, 0.0, 0.0], [0.0, 0.4, 0.0], [0.0, 0.0, 0.5]], [[-0.8, 0.1, 0.0], [0.0, -0.8, 0.0], [0.0, 0.0, -1.0]]]" free_energy=-14.25 pbc="T T F"
H        0.00000000       0.00000000       0.00000000
H        0.96000000       0.00000000       0.00000000
O       -0.24000000       0.93000000       0.00000000
)";

TEST(ExtXyz, ReadsWhatAseWrites) {
  const auto frames = parse(kAseText);
  ASSERT_EQ(frames.size(), 2u);
  const Structure& a = frames[0];
  EXPECT_EQ(a.numbers, (std::vector<int>{11, 17}));
  EXPECT_EQ(a.positions[1], Vec3(1.4, 1.5, 1.6));
  EXPECT_EQ(a.cell.row(1), Eigen::RowVector3d(0.1, 2.9, 0.0));  // rows are lattice vectors
  EXPECT_EQ(a.cell.row(2), Eigen::RowVector3d(0.2, 0.3, 3.0));
  EXPECT_EQ(a.pbc, (std::array<bool, 3>{true, true, true}));
  ASSERT_TRUE(a.energy && a.forces && a.stress && a.virial && a.bec && a.dipole);
  EXPECT_EQ(*a.energy, -7.5);
  EXPECT_EQ((*a.forces)[1], Vec3(-0.1, -0.2, -0.3));
  // Voigt (xx yy zz yz xz xy) = (0.01 0.02 0.03 0.004 0.005 0.006) as ASE's calculator had it.
  EXPECT_EQ((*a.stress)(1, 2), 0.004);
  EXPECT_EQ((*a.stress)(0, 1), 0.006);
  EXPECT_EQ((*a.stress)(2, 2), 0.03);
  // The virial was [[1,2,3],[4,5,6],[7,8,9]] in ASE; written in Fortran order.
  EXPECT_EQ((*a.virial)(0, 1), 2.0);
  EXPECT_EQ((*a.virial)(1, 0), 4.0);
  // Row-major bec:R:9: xx xy xz yx ... so Z*(0,1) = 0.01 and Z*(1,0) = 0.03 for Na.
  EXPECT_EQ((*a.bec)[0](0, 1), 0.01);
  EXPECT_EQ((*a.bec)[0](1, 0), 0.03);
  EXPECT_EQ((*a.bec)[0](2, 1), 0.06);
  EXPECT_EQ(*a.dipole, Vec3(0.1, -0.2, 0.3));
  EXPECT_EQ(a.info.at("config_type"), "rock \"salt\"");
  EXPECT_EQ(a.info.at("flag"), "T");
  EXPECT_EQ(a.info.at("n_iter"), "7");
  ASSERT_EQ(a.extra_arrays.size(), 2u);
  EXPECT_EQ(a.extra_arrays[0].first, "tag2");
  EXPECT_EQ(a.extra_arrays[0].second.type, 'I');
  EXPECT_EQ(a.extra_arrays[0].second.values, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(a.extra_arrays[1].second.values, (std::vector<std::string>{"T", "F"}));

  const Structure& b = frames[1];
  EXPECT_EQ(b.numbers, (std::vector<int>{1, 1, 8}));
  EXPECT_EQ(b.pbc, (std::array<bool, 3>{true, true, false}));  // zero c row is fine when open
  ASSERT_TRUE(b.bec);
  EXPECT_EQ((*b.bec)[2](0, 1), 0.1);  // _JSON [atom][alpha][beta]
  EXPECT_EQ((*b.bec)[2](1, 0), 0.0);
  EXPECT_EQ((*b.bec)[2](2, 2), -1.0);
  EXPECT_EQ(b.info.at("free_energy"), "-14.25");
  EXPECT_FALSE(b.energy);
  EXPECT_FALSE(b.forces);
}

// A structure with every label set to values that need all 17 digits.
Structure full_structure() {
  Structure s;
  s.numbers = {11, 17, 1};
  s.positions = {Vec3(1.0 / 3, -2.0 / 7, 1e-300), Vec3(12.5, 0.1 + 0.2, -0.0), Vec3(1e5, 2, 3)};
  s.cell << 5.0 / 3, 0.1, 0.0, 0.2, 5.5, 0.0, 0.0, 0.0, 7.0 / 9;
  s.pbc = {true, true, true};
  s.energy = -123.456789012345678;
  s.forces = std::vector<Vec3>{Vec3(0.1, 0.2, 0.3), Vec3(-1.0 / 3, 0, 0), Vec3(0, 0, M_PI)};
  Mat3 asym;
  asym << 1, 2, 3, 4, 5, 6, 7, 8, M_E;
  s.stress = asym / 1000.0;
  s.virial = asym;
  s.bec = std::vector<Mat3>{asym, -asym, asym.transpose() / 3.0};
  s.dipole = Vec3(0.1, 0.2, 1.0 / 3);
  s.polarization = Vec3(1e-3, -2e-4, 3e-5);
  s.efield = Vec3(0.0, 0.0, 0.01);
  s.epsilon_inf = asym / 7.0;
  s.weight = 0.25;
  s.info["config_type"] = "rock \"salt\" with spaces";
  s.info["path"] = "C:\\data\\x=1";
  s.info["empty"] = "";
  s.info["flag"] = "T";
  s.info["free_energy"] = "-1.5";
  Structure::Column tags{'I', 1, {"1", "2", "3"}};
  Structure::Column names{'S', 1, {"a", "bb", "c_c"}};
  Structure::Column real2{'R', 2, {"1.5", "2", "3e-5", "4", "5", "6"}};
  Structure::Column mask{'L', 1, {"T", "F", "T"}};
  s.extra_arrays = {{"tags", tags}, {"names", names}, {"real2", real2}, {"mask", mask}};
  return s;
}

void expect_equal(const Structure& a, const Structure& b) {
  EXPECT_EQ(a.numbers, b.numbers);
  EXPECT_EQ(a.positions, b.positions);
  EXPECT_EQ(a.cell, b.cell);
  EXPECT_EQ(a.pbc, b.pbc);
  EXPECT_EQ(a.energy, b.energy);
  EXPECT_EQ(a.forces, b.forces);
  EXPECT_EQ(a.stress, b.stress);
  EXPECT_EQ(a.virial, b.virial);
  EXPECT_EQ(a.bec, b.bec);
  EXPECT_EQ(a.dipole, b.dipole);
  EXPECT_EQ(a.polarization, b.polarization);
  EXPECT_EQ(a.efield, b.efield);
  EXPECT_EQ(a.epsilon_inf, b.epsilon_inf);
  EXPECT_EQ(a.weight, b.weight);
  EXPECT_EQ(a.info, b.info);
  ASSERT_EQ(a.extra_arrays.size(), b.extra_arrays.size());
  for (std::size_t k = 0; k < a.extra_arrays.size(); ++k) {
    EXPECT_EQ(a.extra_arrays[k].first, b.extra_arrays[k].first);
    EXPECT_EQ(a.extra_arrays[k].second.type, b.extra_arrays[k].second.type);
    EXPECT_EQ(a.extra_arrays[k].second.ncols, b.extra_arrays[k].second.ncols);
    EXPECT_EQ(a.extra_arrays[k].second.values, b.extra_arrays[k].second.values);
  }
}

TEST(ExtXyz, RoundTripIsExact) {
  Structure open;  // a second frame: no cell, no labels
  open.numbers = {8};
  open.positions = {Vec3(0.5, -0.25, 1e-17)};
  const std::vector<Structure> frames = {full_structure(), open};
  const std::string text = write(frames);
  const auto back = parse(text);
  ASSERT_EQ(back.size(), 2u);
  expect_equal(frames[0], back[0]);
  expect_equal(frames[1], back[1]);
  EXPECT_EQ(write(back), text);  // and the text is a fixed point
  EXPECT_EQ(text.find("Lattice", text.find("\n1\n")), std::string::npos) << "open frame: no cell";
}

TEST(ExtXyz, AtomicFileWriteAndRead) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("lnet_extxyz_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "frames.xyz").string();
  const std::vector<Structure> frames = {full_structure(), full_structure()};
  write_extxyz(path, frames);
  const auto back = read_extxyz(path);
  ASSERT_EQ(back.size(), 2u);
  expect_equal(frames[1], back[1]);
  auto count_files = [&] {
    return std::distance(std::filesystem::directory_iterator(dir),
                         std::filesystem::directory_iterator());
  };
  EXPECT_EQ(count_files(), 1) << "no temporary file left behind";
  // A failed write leaves the old file untouched and no temporary file.
  Structure bad = full_structure();
  bad.forces->pop_back();
  EXPECT_THROW(write_extxyz(path, {bad}), Error);
  EXPECT_EQ(read_extxyz(path).size(), 2u);
  EXPECT_EQ(count_files(), 1);
  std::filesystem::remove_all(dir);
  try {
    read_extxyz(path);
    ADD_FAILURE() << "reading a missing file must throw";
  } catch (const InputError& e) {
    EXPECT_CONTAINS(e.what(), path);
  }
}

// A full disk: the error names the file and the system's reason (not "stream write failed"),
// and the earlier file is kept whole.
TEST(ExtXyz, FullDiskNamesThePathAndTheCause) {
  testing::SmallDisk disk("extxyz", 16 * 1024);
  if (!disk.mounted()) GTEST_SKIP() << disk.reason();
  const std::string path = (disk.path() / "predictions.xyz").string();
  write_extxyz(path, {full_structure()});
  try {
    write_extxyz(path, std::vector<Structure>(200, full_structure()));
    ADD_FAILURE() << "200 frames fit into 16 KiB";
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), path);
    EXPECT_CONTAINS(e.what(), "No space left on device");
  }
  EXPECT_EQ(read_extxyz(path).size(), 1u);
  EXPECT_EQ(disk.entries(), 1u) << "a temporary file was left behind";
}

TEST(ExtXyz, AcceptsVariants) {
  // Voigt stress, epsilon_inf diagonal, config_weight, Z column, lower/upper-case symbols,
  // `force`, spaces around '=', comma lists, bare key, Lattice without pbc (-> T T T),
  // CRLF line endings and blank lines between frames.
  const std::string text =
      "2\r\n"
      "Lattice=\"3 0 0 0 3 0 0 0 3\" Properties=Z:I:1:pos:R:3:force:R:3 stress = \"1 2 3 4 5 6\" "
      "epsilon_inf=\"2,2.5,3\" config_weight=0.5 converged dipole=[1,2,3]\r\n"
      "11 0 0 0 1 2 3\r\n"
      "17 1.5 1.5 1.5 -1 -2 -3\r\n"
      "\n"
      "1\n"
      "Properties=species:S:1:pos:R:3 virial=\"1 2 3 4 5 6\" epsilon_inf=2.4 BEC=\"1 2 3 4 5 6 7 8 "
      "9\"\n"
      "na 0 0 0\n";
  const auto f = parse(text);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].numbers, (std::vector<int>{11, 17}));
  EXPECT_EQ(f[0].pbc, (std::array<bool, 3>{true, true, true}));
  ASSERT_TRUE(f[0].forces && f[0].stress && f[0].epsilon_inf && f[0].dipole);
  EXPECT_EQ((*f[0].forces)[1], Vec3(-1, -2, -3));
  EXPECT_EQ((*f[0].stress)(1, 2), 4.0);  // yz
  EXPECT_EQ((*f[0].stress)(0, 2), 5.0);  // xz
  EXPECT_EQ((*f[0].stress)(0, 1), 6.0);  // xy
  EXPECT_EQ((*f[0].epsilon_inf)(1, 1), 2.5);
  EXPECT_EQ((*f[0].epsilon_inf)(0, 1), 0.0);
  EXPECT_EQ(f[0].weight, 0.5);
  EXPECT_EQ(f[0].info.at("converged"), "T");
  EXPECT_EQ(*f[0].dipole, Vec3(1, 2, 3));
  EXPECT_EQ(f[1].numbers, (std::vector<int>{11}));
  EXPECT_EQ(f[1].pbc, (std::array<bool, 3>{false, false, false}));
  EXPECT_EQ((*f[1].virial)(0, 1), 6.0);
  EXPECT_EQ((*f[1].epsilon_inf)(2, 2), 2.4);
  EXPECT_EQ((*f[1].bec)[0](0, 1), 2.0);  // 9N numbers, row-major per atom
  EXPECT_TRUE(parse("").empty());
  // species and Z together: symbols give the numbers and Z is kept as an extra column.
  const auto both = parse("1\nProperties=species:S:1:pos:R:3:Z:I:1\nH 0 0 0 1\n");
  ASSERT_EQ(both[0].extra_arrays.size(), 1u);
  EXPECT_EQ(both[0].extra_arrays[0].first, "Z");
}

TEST(ExtXyz, ErrorsNameFileFrameLineAndExpectation) {
  const std::string ok_frame = "1\nProperties=species:S:1:pos:R:3\nH 0 0 0\n";
  // Frame 2 starts at line 4; its comment is line 5 and its first atom line 6.
  std::string e = error_of(ok_frame + "2\nProperties=species:S:1:pos:R:3\nH 0 0\nH 0 0 1\n");
  EXPECT_CONTAINS(e, "test.xyz:6 (frame 2)");
  EXPECT_CONTAINS(e, "atom line has 3 columns, expected 4");

  e = error_of(ok_frame + "1\nProperties=species:S:1:pos:R:3\nH 0 x1 0\n");
  EXPECT_CONTAINS(e, "test.xyz:6 (frame 2)");
  EXPECT_CONTAINS(e, "'x1' in column 3 (pos)");
  EXPECT_CONTAINS(e, "expected a real number");

  e = error_of("1\nLattice=\"1 0 0 0 1 0 0 0\" Properties=species:S:1:pos:R:3\nH 0 0 0\n");
  EXPECT_CONTAINS(e, "test.xyz:2 (frame 1)");
  EXPECT_CONTAINS(e, "Lattice: expected 9 numbers, got 8");

  e = error_of("1\nLattice=\"1 0 0 2 0 0 0 0 1\" pbc=\"T T T\"\nH 0 0 0\n");
  EXPECT_CONTAINS(e, "test.xyz:2 (frame 1)");
  EXPECT_CONTAINS(e, "Lattice is singular");

  e = error_of(ok_frame + ok_frame + "1\nProperties=species:S:1:pos:R:3\nXx 0 0 0\n");
  EXPECT_CONTAINS(e, "test.xyz:9 (frame 3)");
  EXPECT_CONTAINS(e, "unknown element 'Xx'");

  e = error_of("3\nProperties=species:S:1:pos:R:3\nH 0 0 0\nH 0 0 1\n");
  EXPECT_CONTAINS(e, "test.xyz:5 (frame 1)");
  EXPECT_CONTAINS(e, "file ends after 2 of 3 atom lines");

  e = error_of(ok_frame + "two\n");
  EXPECT_CONTAINS(e, "test.xyz:4 (frame 2)");
  EXPECT_CONTAINS(e, "bad atom count line");
  EXPECT_CONTAINS(e, "got 'two'");
  EXPECT_CONTAINS(error_of("-1\n\n"), "bad atom count line");

  e = error_of("1\nProperties=species:S:1:pos:Q:3\nH 0 0 0\n");
  EXPECT_CONTAINS(e, "test.xyz:2 (frame 1)");
  EXPECT_CONTAINS(e, "Properties malformed");
  EXPECT_CONTAINS(e, "must be R, I, S or L");
  EXPECT_CONTAINS(error_of("1\nProperties=species:S:1:pos:R\nH 0 0 0\n"), "name:type:ncols");
  EXPECT_CONTAINS(error_of("1\nProperties=species:S:1:pos:R:0\nH 0 0 0\n"), "positive integer");
  EXPECT_CONTAINS(error_of("1\nProperties=species:S:1\nH\n"), "no pos:R:3 column");

  e = error_of("1\nconfig=\"open quote\nH 0 0 0\n");
  EXPECT_CONTAINS(e, "test.xyz:2 (frame 1)");
  EXPECT_CONTAINS(e, "unterminated quote");
  EXPECT_CONTAINS(error_of("1\npbc=\"T T T\"\nH 0 0 0\n"), "no Lattice");
  EXPECT_CONTAINS(error_of("1\npbc=\"T Q T\" Lattice=\"1 0 0 0 1 0 0 0 1\"\nH 0 0 0\n"), "pbc:");
  EXPECT_CONTAINS(error_of("1\nenergy=abc\nH 0 0 0\n"), "energy: non-numeric value 'abc'");
  EXPECT_CONTAINS(error_of("1\nBEC=\"_JSON [[[1,0,0],[0,1,0]]]\"\nH 0 0 0\n"),
                  "BEC: expected _JSON with 1 x 3 x 3");
  EXPECT_CONTAINS(error_of("1\nProperties=species:S:1:pos:R:3:n:I:1\nH 0 0 0 1.5\n"),
                  "expected an integer");
  EXPECT_CONTAINS(error_of("2\n"), "file ends before the comment line");
  // A corrupt count is refused before anything is allocated for it.
  e = error_of(ok_frame + "900000000000\nProperties=species:S:1:pos:R:3\nH 0 0 0\n");
  EXPECT_CONTAINS(e, "test.xyz:5 (frame 2)");
  EXPECT_CONTAINS(e, "the atom count 900000000000 exceeds what the rest of the file (8 bytes)");
  EXPECT_CONTAINS(error_of("5\n\nH 0 0 0\n"), "the atom count 5 exceeds");
}

// A leading UTF-8 byte-order mark (Windows editors) is skipped; any other invisible or binary
// byte in a message is shown escaped, at most 40 of them.
TEST(ExtXyz, ByteOrderMarkIsSkippedAndBinaryIsQuotedShortly) {
  const auto frames = parse(
      "\xEF\xBB\xBF"
      "1\nenergy=1.5\nH 0 0 0\n");
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(*frames[0].energy, 1.5);

  std::string binary =
      "\x7F"
      "ELF";
  for (int k = 0; k < 500; ++k) binary += static_cast<char>(k % 256 == '\n' ? 0xFF : k % 256);
  const std::string e = error_of(binary);
  EXPECT_CONTAINS(e, "test.xyz:1 (frame 1): bad atom count line");
  EXPECT_CONTAINS(e, "got '\\x7FELF\\x00\\x01");
  EXPECT_CONTAINS(e, "... (");
  EXPECT_LT(e.size(), 300u) << e;
  for (char c : e) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "raw byte " << int(c) << " in: " << e;

  EXPECT_CONTAINS(error_of("1\nProperties=species:S:1:pos:R:3\nH\x01 0 0 0\n"),
                  "unknown element 'H\\x01'");
}

// An infinite lattice entry is named where it is read (downstream it read "cell vector 0 is
// zero").
TEST(ExtXyz, NonFiniteLatticeEntryIsNamed) {
  const std::string e = error_of("1\nLattice=\"5 0 0 0 5 0 0 inf 5\"\nH 0 0 0\n");
  EXPECT_CONTAINS(e, "test.xyz:2 (frame 1): Lattice: number 8 (vector c, y) is not finite (inf)");
}

// A label column of the wrong shape would otherwise be kept as an extra column and the label
// silently missing from training.
TEST(ExtXyz, LabelColumnOfTheWrongShapeIsAnError) {
  std::string e = error_of("1\nProperties=species:S:1:pos:R:3:bec:R:8\nH 0 0 0 1 2 3 4 5 6 7 8\n");
  EXPECT_CONTAINS(e, "test.xyz:2 (frame 1)");
  EXPECT_CONTAINS(e, "'bec:R:8'");
  EXPECT_CONTAINS(e, "expected bec:R:9");
  e = error_of("1\nProperties=species:S:1:pos:R:3:forces:R:2\nH 0 0 0 1 2\n");
  EXPECT_CONTAINS(e, "'forces:R:2'");
  EXPECT_CONTAINS(e, "expected forces:R:3");
  EXPECT_CONTAINS(error_of("1\nProperties=species:S:1:pos:R:3:force:I:3\nH 0 0 0 1 2 3\n"),
                  "expected force:R:3");
  // A second column for a role already taken stays extra, whatever its shape (documented).
  const auto f =
      parse("1\nProperties=species:S:1:pos:R:3:forces:R:3:force:R:2\nH 0 0 0 1 2 3 4 5\n");
  ASSERT_TRUE(f[0].forces);
  ASSERT_EQ(f[0].extra_arrays.size(), 1u);
  EXPECT_EQ(f[0].extra_arrays[0].first, "force");
}

TEST(ExtXyz, WriterRejectsInconsistentFrames) {
  Structure s = full_structure();
  s.info["energy"] = "1";  // would shadow the energy label
  EXPECT_THROW(write({s}), Error);
  s = full_structure();
  s.extra_arrays[1].second.values[0] = "two words";
  EXPECT_THROW(write({s}), Error);
  s = full_structure();
  s.extra_arrays[0].second.values.pop_back();
  EXPECT_THROW(write({s}), Error);
}

// A ~5 MB file (2000 frames of 16 atoms with forces and BEC) must parse well under a second; the
// reader uses from_chars on views of one buffer (~50 MB/s or better even unoptimised).
TEST(ExtXyz, ReadsFiveMegabytesQuickly) {
  Structure s;
  for (int i = 0; i < 16; ++i) {
    s.numbers.push_back(i % 2 ? 17 : 11);
    s.positions.emplace_back(0.1 * i + 1.0 / 3, 0.2 * i + 1.0 / 7, 0.3 * i + 1.0 / 11);
  }
  s.cell = Mat3::Identity() * 11.38;
  s.pbc = {true, true, true};
  s.energy = -1234.5678;
  s.forces = s.positions;
  s.bec = std::vector<Mat3>(16, Mat3::Identity() * 1.0823456789);
  const std::string text = write(std::vector<Structure>(2000, s));
  ASSERT_GT(text.size(), 5'000'000u);
  const auto t0 = std::chrono::steady_clock::now();
  const auto frames = parse(text);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(frames.size(), 2000u);
  EXPECT_LT(seconds, testing::time_limit(1.0));
  RecordProperty("megabytes_per_second", std::to_string(text.size() / seconds / 1e6));
}

}  // namespace
}  // namespace lnet
