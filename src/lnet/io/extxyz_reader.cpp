// Reading extended XYZ (see extxyz.hpp for the mapping). The whole file is read into memory and
// parsed with string_views and std::from_chars, so a 5 MB file takes tens of milliseconds.
#include <cmath>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/text.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/io/key_value_line.hpp"

namespace lnet {
namespace {

// Where the reader is, for error messages: "file:line (frame k): what".
struct Place {
  const std::string& file;
  int frame = 0;  // 1-based
  int line = 0;   // 1-based
};

[[noreturn]] void fail(const Place& at, const std::string& what) {
  throw InputError(
      at.file + ":" + std::to_string(at.line) + " (frame " + std::to_string(at.frame) + ")", what);
}

class Lines {
 public:
  explicit Lines(std::string_view text) : text_(text) {}
  bool next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    std::size_t end = text_.find('\n', pos_);
    if (end == std::string_view::npos) end = text_.size();
    line = text_.substr(pos_, end - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos_ = end + 1;
    ++number_;
    return true;
  }
  int number() const { return number_; }
  std::size_t remaining() const { return pos_ < text_.size() ? text_.size() - pos_ : 0; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  int number_ = 0;
};

// A name from the file (key, column) as it is when it is short and printable, else quoted with
// its bytes escaped (quote_excerpt), so that messages never echo raw bytes.
std::string shown(std::string_view name) {
  bool plain = !name.empty() && name.size() <= 40;
  for (char c : name) plain = plain && c > 0x20 && c < 0x7f;
  return plain ? std::string(name) : quote_excerpt(name);
}

std::string_view trim(std::string_view s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t\r\n") - begin + 1);
}

// Splits an atom line on blanks into `out` (reused between lines to avoid allocations).
void split_blanks(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t k = 0;
  while (k < line.size()) {
    while (k < line.size() && (line[k] == ' ' || line[k] == '\t')) ++k;
    const std::size_t begin = k;
    while (k < line.size() && line[k] != ' ' && line[k] != '\t') ++k;
    if (k > begin) out.push_back(line.substr(begin, k - begin));
  }
}

// What a Properties column is used for.
enum class Role { species, z, pos, forces, bec, extra };

struct Property {
  std::string name;
  char type = 'S';
  int ncols = 1;
  int first = 0;  // index of its first token on an atom line
  Role role = Role::extra;
  int extra = -1;  // index in Structure::extra_arrays when role == extra
};

// Whether `key` holds the label mapped to `mapped`, or, with no mapping, one of its default names.
bool names_label(const std::string& key, const std::string& mapped,
                 std::initializer_list<const char*> defaults) {
  if (!mapped.empty()) return key == mapped;
  for (const char* d : defaults)
    if (key == d) return true;
  return false;
}

// Known columns take their role only with the expected type and width. A column whose role an
// earlier one already holds (e.g. both forces and force: the first wins) stays extra. Species, Z
// and pos of another shape stay extra too (a missing pos is reported below), but a label column
// of another shape is an error: silently dropping it would train without the label.
Role role_of(const Property& p, const std::vector<Property>& earlier, const LabelKeys& keys,
             const Place& at) {
  auto want = [&](char type, int ncols, Role role, const char* label) {
    for (const Property& e : earlier)
      if (e.role == role) return Role::extra;
    if (p.type == type && p.ncols == ncols) return role;
    if (label)
      fail(at, "column " + quote_excerpt(p.name + ":" + p.type + ":" + std::to_string(p.ncols)) +
                   " holds " + label + ", expected " + p.name + ":" + type + ":" +
                   std::to_string(ncols) + " (" + std::to_string(ncols) +
                   " real numbers per atom)");
    return Role::extra;
  };
  if (p.name == "species") return want('S', 1, Role::species, nullptr);
  if (p.name == "Z") return want('I', 1, Role::z, nullptr);
  if (p.name == "pos") return want('R', 3, Role::pos, nullptr);
  if (names_label(p.name, keys.forces, {"forces", "force"}))
    return want('R', 3, Role::forces, "forces");
  if (names_label(p.name, keys.bec, {"bec", "BEC"}))
    return want('R', 9, Role::bec, "Born effective charges (row-major 3x3)");
  return Role::extra;
}

std::vector<Property> parse_properties(const std::string& text, const Place& at,
                                       const LabelKeys& keys) {
  std::vector<std::string_view> fields;
  std::string_view rest = text;
  for (std::size_t colon; (colon = rest.find(':')) != std::string_view::npos;)
    fields.push_back(rest.substr(0, colon)), rest.remove_prefix(colon + 1);
  fields.push_back(rest);
  const std::string where = "Properties malformed (" + quote_excerpt(text) + "): ";
  if (fields.size() % 3 != 0) fail(at, where + "expected name:type:ncols triples");
  std::vector<Property> props;
  int first = 0;
  for (std::size_t k = 0; k < fields.size(); k += 3) {
    Property p;
    p.name = std::string(fields[k]);
    long long ncols = 0;
    if (p.name.empty()) fail(at, where + "empty column name");
    if (fields[k + 1].size() != 1 ||
        std::string_view("RISL").find(fields[k + 1][0]) == std::string_view::npos)
      fail(at, where + "type of " + quote_excerpt(p.name) + " must be R, I, S or L");
    if (!parse_int(fields[k + 2], ncols) || ncols < 1 || ncols > 1000000)
      fail(at, where + "column count of " + quote_excerpt(p.name) + " must be a positive integer");
    for (const Property& e : props)
      if (e.name == p.name) fail(at, where + quote_excerpt(p.name) + " appears twice");
    p.type = fields[k + 1][0];
    p.ncols = int(ncols);
    p.first = first;
    first += p.ncols;
    p.role = role_of(p, props, keys, at);
    props.push_back(std::move(p));
  }
  bool has_pos = false, has_species = false, has_symbols = false;
  for (const Property& p : props) {
    has_pos |= p.role == Role::pos;
    has_species |= p.role == Role::species || p.role == Role::z;
    has_symbols |= p.role == Role::species;
  }
  for (Property& p : props)  // symbols win over Z, which is then kept as it is
    if (has_symbols && p.role == Role::z) p.role = Role::extra;
  if (!has_pos) fail(at, where + "no pos:R:3 column");
  if (!has_species) fail(at, where + "no species:S:1 (or Z:I:1) column");
  return props;
}

// Numbers of a per-frame value; `counts` are the accepted lengths. Labels may be non-finite here:
// training and eval check them with the frame (train/dataset.cpp, cli/eval.cpp).
std::vector<double> numbers_of(const KeyValue& kv, const Place& at,
                               std::initializer_list<std::size_t> counts) {
  std::vector<double> out;
  for (std::string_view f : split_fields(kv.value)) {
    double x;
    if (!parse_double(f, x))
      fail(at, shown(kv.key) + ": non-numeric value " + quote_excerpt(f) + " (expected numbers)");
    out.push_back(x);
  }
  for (std::size_t n : counts)
    if (out.size() == n) return out;
  std::string expected;
  for (std::size_t n : counts) expected += (expected.empty() ? "" : " or ") + std::to_string(n);
  fail(at, shown(kv.key) + ": expected " + expected + " numbers, got " +
               std::to_string(out.size()) + " (" + quote_excerpt(kv.value) + ")");
}

// 3x3 from 9 numbers in ASE's Fortran order (SPECIAL_3_3_KEYS: m(i, j) = v[i + 3 j]) or 6 Voigt
// numbers xx yy zz yz xz xy.
Mat3 tensor_of(const KeyValue& kv, const Place& at) {
  const auto v = numbers_of(kv, at, {9, 6});
  Mat3 m;
  if (v.size() == 9) {
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) m(i, j) = v[i + 3 * j];
  } else {
    m << v[0], v[5], v[4], v[5], v[1], v[3], v[4], v[3], v[2];
  }
  return m;
}

Vec3 vector_of(const KeyValue& kv, const Place& at) {
  const auto v = numbers_of(kv, at, {3});
  return Vec3(v[0], v[1], v[2]);
}

// 9 numbers row-major (the polarizability's [field][field] order, as the data sets write it).
Mat3 row_major_of(const KeyValue& kv, const Place& at) {
  const auto v = numbers_of(kv, at, {9});
  Mat3 m;
  for (int i = 0; i < 9; ++i) m(i / 3, i % 3) = v[i];
  return m;
}

// epsilon_inf: 9 numbers row-major, 3 (diagonal) or 1 (isotropic).
Mat3 dielectric_of(const KeyValue& kv, const Place& at) {
  const auto v = numbers_of(kv, at, {9, 3, 1});
  if (v.size() == 1) return Mat3::Identity() * v[0];
  if (v.size() == 3) return Vec3(v[0], v[1], v[2]).asDiagonal();
  Mat3 m;
  for (int i = 0; i < 9; ++i) m(i / 3, i % 3) = v[i];
  return m;
}

std::array<bool, 3> pbc_of(const KeyValue& kv, const Place& at) {
  const auto f = split_fields(kv.value);
  std::array<bool, 3> pbc{};
  bool ok = f.size() == 3 || f.size() == 1;
  for (std::size_t k = 0; ok && k < 3; ++k) ok = parse_bool(f[f.size() == 1 ? 0 : k], pbc[k]);
  if (!ok)
    fail(at, "pbc: expected three of T/F (e.g. pbc=\"T T F\"), got " + quote_excerpt(kv.value));
  return pbc;
}

// Periodic lattice vectors must be linearly independent (relative tolerance 1e-10).
void check_lattice(const Structure& s, const Place& at) {
  std::vector<Vec3> rows;
  for (int k = 0; k < 3; ++k)
    if (s.pbc[k]) rows.push_back(s.cell.row(k).transpose());
  double measure = 1.0, scale = 1.0;
  for (const Vec3& r : rows) scale *= r.norm();
  if (rows.size() == 3) measure = std::abs(s.cell.determinant());
  if (rows.size() == 2) measure = rows[0].cross(rows[1]).norm();
  if (rows.size() == 1) measure = rows[0].norm();
  if (!rows.empty() && (!(measure > 1e-10 * scale) || scale == 0.0))
    fail(at, "Lattice is singular on its periodic axes (linearly dependent or zero vectors)");
}

// Per-frame keys that are read after the atom lines (they need the columns or other keys).
struct Deferred {
  std::string properties = "species:S:1:pos:R:3";  // ASE's default
  std::optional<KeyValue> bec, config_weight;
  bool has_lattice = false, has_pbc = false, has_weight = false;
};

void apply_key(KeyValue kv, Structure& s, Deferred& d, const Place& at, const LabelKeys& keys) {
  const std::string& k = kv.key;
  if (k == "Properties") {
    d.properties = kv.value;
  } else if (k == "Lattice") {
    const auto v = numbers_of(kv, at, {9});
    for (int i = 0; i < 9; ++i) {
      if (!std::isfinite(v[i]))  // named here: downstream it reads "cell vector 0 is zero"
        fail(at, "Lattice: number " + std::to_string(i + 1) + " (vector " + "abc"[i / 3] + ", " +
                     "xyz"[i % 3] + ") is not finite (" + format_double(v[i]) + ")");
      s.cell(i / 3, i % 3) = v[i];  // rows a, b, c (ASE: Lattice.T)
    }
    d.has_lattice = true;
  } else if (k == "pbc") {
    s.pbc = pbc_of(kv, at);
    d.has_pbc = true;
  } else if (names_label(k, keys.energy, {"energy"})) {
    s.energy = numbers_of(kv, at, {1})[0];
  } else if (names_label(k, keys.stress, {"stress"})) {
    s.stress = tensor_of(kv, at);
  } else if (names_label(k, keys.virial, {"virial"})) {
    s.virial = tensor_of(kv, at);
  } else if (names_label(k, keys.dipole, {"dipole"})) {
    s.dipole = vector_of(kv, at);
  } else if (names_label(k, keys.polarization, {"polarization"})) {
    s.polarization = vector_of(kv, at);
  } else if (names_label(k, keys.polarizability, {"polarizability"})) {
    s.polarizability = row_major_of(kv, at);
  } else if (names_label(k, keys.efield, {"efield"})) {
    s.efield = vector_of(kv, at);
  } else if (names_label(k, keys.epsilon_inf, {"epsilon_inf"})) {
    s.epsilon_inf = dielectric_of(kv, at);
  } else if (k == "weight") {
    s.weight = numbers_of(kv, at, {1})[0];
    d.has_weight = true;
  } else if (k == "config_weight") {
    d.config_weight = std::move(kv);
  } else if (names_label(k, keys.bec, {"BEC", "bec"})) {
    d.bec = std::move(kv);
  } else {
    s.info[k] = std::move(kv.value);
  }
}

// Per-frame BEC: "_JSON [[[..],[..],[..]], ...]" (N x 3 x 3, [atom][alpha][beta]) or 9N numbers.
std::vector<Mat3> frame_bec(const KeyValue& kv, std::size_t natoms, const Place& at) {
  std::vector<Mat3> bec(natoms);
  const std::string_view text = trim(kv.value);
  const std::string_view tag = "_JSON";
  if (text.substr(0, tag.size()) != tag) {
    const auto v = numbers_of(kv, at, {9 * natoms});
    for (std::size_t i = 0; i < natoms; ++i)
      for (int c = 0; c < 9; ++c) bec[i](c / 3, c % 3) = v[9 * i + c];
    return bec;
  }
  const auto json = nlohmann::json::parse(text.substr(tag.size()), nullptr, false);
  const std::string expected = shown(kv.key) + ": expected _JSON with " + std::to_string(natoms) +
                               " x 3 x 3 nested lists of numbers";
  if (json.is_discarded() || !json.is_array() || json.size() != natoms) fail(at, expected);
  for (std::size_t i = 0; i < natoms; ++i) {
    const auto& m = json[i];
    if (!m.is_array() || m.size() != 3) fail(at, expected);
    for (int a = 0; a < 3; ++a) {
      if (!m[a].is_array() || m[a].size() != 3) fail(at, expected);
      for (int b = 0; b < 3; ++b) {
        if (!m[a][b].is_number()) fail(at, expected);
        bec[i](a, b) = m[a][b].get<double>();
      }
    }
  }
  return bec;
}

// Atomic number of a species token: a symbol in any case (ASE capitalises) or a number. Atom
// lines repeat few species, so a short cache avoids a string per atom.
class SpeciesCache {
 public:
  int lookup(std::string_view token, const Place& at) {
    for (const auto& [symbol, z] : cache_)
      if (symbol == token) return z;
    long long n = 0;
    int z = 0;
    if (parse_int(token, n)) {
      if (n < 1 || n > 118) fail(at, "unknown element " + quote_excerpt(token));
      z = int(n);
    } else {
      std::string symbol(token);
      for (char& c : symbol) c = char(std::tolower(static_cast<unsigned char>(c)));
      symbol[0] = char(std::toupper(static_cast<unsigned char>(symbol[0])));
      try {
        z = atomic_number(symbol);
      } catch (const Error&) {
        fail(at, "unknown element " + quote_excerpt(token));
      }
    }
    cache_.emplace_back(std::string(token), z);
    return z;
  }

 private:
  std::vector<std::pair<std::string, int>> cache_;
};

bool valid_token(char type, std::string_view t) {
  double x;
  long long n;
  bool b;
  if (type == 'R') return parse_double(t, x);
  if (type == 'I') return parse_int(t, n);
  if (type == 'L') return parse_bool(t, b);
  return true;
}

const char* type_name(char type) {
  return type == 'R' ? "a real number" : type == 'I' ? "an integer" : "a logical (T or F)";
}

[[noreturn]] void bad_field(std::string_view t, const Property& p, int col, const Place& at) {
  fail(at, "non-numeric or malformed field " + quote_excerpt(t) + " in column " +
               std::to_string(p.first + col + 1) + " (" + shown(p.name) + "), expected " +
               type_name(p.type));
}

void read_vec(const std::string_view* t, const Property& p, const Place& at, double* out, int n) {
  for (int c = 0; c < n; ++c)
    if (!parse_double(t[c], out[c])) bad_field(t[c], p, c, at);
}

// Fills atom i of `s` from its line.
struct AtomLineReader {
  const std::vector<Property>& props;
  const std::string& properties_text;
  std::size_t ncols;
  SpeciesCache species;
  std::vector<std::string_view> tokens;

  void read(std::string_view line, std::size_t i, Structure& s, const Place& at) {
    split_blanks(line, tokens);
    if (tokens.size() != ncols)
      fail(at, "atom line has " + std::to_string(tokens.size()) + " columns, expected " +
                   std::to_string(ncols) + " (Properties=" + quote_excerpt(properties_text) + ")");
    for (const Property& p : props) {
      const std::string_view* t = &tokens[p.first];
      double v[9];
      switch (p.role) {
        case Role::species:
          s.numbers[i] = species.lookup(t[0], at);
          break;
        case Role::z:
          if (!valid_token('I', t[0])) bad_field(t[0], p, 0, at);
          s.numbers[i] = species.lookup(t[0], at);
          break;
        case Role::pos:
          read_vec(t, p, at, s.positions[i].data(), 3);
          break;
        case Role::forces:
          read_vec(t, p, at, (*s.forces)[i].data(), 3);
          break;
        case Role::bec:  // row-major Z*(alpha, beta)
          read_vec(t, p, at, v, 9);
          for (int c = 0; c < 9; ++c) (*s.bec)[i](c / 3, c % 3) = v[c];
          break;
        case Role::extra: {
          auto& values = s.extra_arrays[p.extra].second.values;
          for (int c = 0; c < p.ncols; ++c) {
            if (!valid_token(p.type, t[c])) bad_field(t[c], p, c, at);
            values.emplace_back(t[c]);
          }
          break;
        }
      }
    }
  }
};

// Sizes the arrays of `s` for natoms atoms and the columns in `props`.
void allocate(std::vector<Property>& props, std::size_t natoms, Structure& s) {
  s.numbers.assign(natoms, 0);
  s.positions.assign(natoms, Vec3::Zero());
  for (Property& p : props) {
    if (p.role == Role::forces) s.forces.emplace(natoms, Vec3::Zero());
    if (p.role == Role::bec) s.bec.emplace(natoms, Mat3::Zero());
    if (p.role != Role::extra) continue;
    p.extra = int(s.extra_arrays.size());
    Structure::Column column;
    column.type = p.type;
    column.ncols = p.ncols;
    column.values.reserve(natoms * p.ncols);
    s.extra_arrays.emplace_back(p.name, std::move(column));
  }
}

// Keys that needed the whole frame: per-frame BEC (unless a bec column exists) and
// config_weight (unless weight was given).
void apply_deferred(Deferred& d, Structure& s, const Place& at) {
  if (d.bec) {
    if (s.bec)
      s.info[d.bec->key] = d.bec->value;
    else
      s.bec = frame_bec(*d.bec, s.size(), at);
  }
  if (d.config_weight) {
    if (d.has_weight)
      s.info[d.config_weight->key] = d.config_weight->value;
    else
      s.weight = numbers_of(*d.config_weight, at, {1})[0];
  }
}

// One frame after its atom-count line.
Structure read_frame(Lines& lines, std::size_t natoms, Place& at, const LabelKeys& keys) {
  Structure s;
  std::string_view comment;
  at.line = lines.number() + 1;
  if (!lines.next(comment)) fail(at, "file ends before the comment line (truncated frame)");
  // Bound every allocation by the file before reading any atom (a corrupt count line must not
  // ask for gigabytes): each atom needs at least a one-character line.
  if (natoms > (lines.remaining() + 1) / 2)
    fail(at, "the atom count " + std::to_string(natoms) + " exceeds what the rest of the file (" +
                 std::to_string(lines.remaining()) + " bytes) can hold: truncated frame?");
  Deferred d;
  std::vector<KeyValue> kvs;
  try {
    kvs = parse_key_values(comment);
  } catch (const Error& e) {
    fail(at, std::string("comment line: ") + e.what());
  }
  for (KeyValue& kv : kvs) apply_key(std::move(kv), s, d, at, keys);
  if (!d.has_pbc)
    s.pbc = d.has_lattice ? std::array<bool, 3>{true, true, true}
                          : std::array<bool, 3>{false, false, false};
  if (s.periodic() && !d.has_lattice) fail(at, "pbc has T but the frame has no Lattice");
  check_lattice(s, at);
  std::vector<Property> props = parse_properties(d.properties, at, keys);
  allocate(props, natoms, s);
  const Property& last = props.back();
  AtomLineReader reader{props, d.properties, std::size_t(last.first + last.ncols), {}, {}};
  const Place comment_place = at;
  for (std::size_t i = 0; i < natoms; ++i) {
    std::string_view line;
    at.line = lines.number() + 1;
    if (!lines.next(line))
      fail(at, "file ends after " + std::to_string(i) + " of " + std::to_string(natoms) +
                   " atom lines (truncated frame)");
    reader.read(line, i, s, at);
  }
  apply_deferred(d, s, comment_place);
  return s;
}

std::vector<Structure> parse_text(std::string_view text, const std::string& name,
                                  const LabelKeys& keys) {
  // A UTF-8 byte-order mark (editors on Windows write one) is not part of the first line.
  constexpr std::string_view bom = "\xEF\xBB\xBF";
  if (text.substr(0, bom.size()) == bom) text.remove_prefix(bom.size());
  Lines lines(text);
  std::vector<Structure> frames;
  Place at{name, 0, 0};
  std::string_view line;
  while (lines.next(line)) {
    const std::string_view count = trim(line);
    if (count.empty()) continue;  // blank lines between frames or at the end
    at.frame = int(frames.size()) + 1;
    at.line = lines.number();
    long long natoms = -1;
    if (!parse_int(count, natoms) || natoms < 0)
      fail(at, "bad atom count line: expected the number of atoms (an integer >= 0), got " +
                   quote_excerpt(count));
    frames.push_back(read_frame(lines, std::size_t(natoms), at, keys));
  }
  return frames;
}

}  // namespace

std::vector<Structure> parse_extxyz(std::istream& in, const std::string& name,
                                    const LabelKeys& keys) {
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw InputError(name, "read error");
  return parse_text(text, name, keys);
}

std::vector<Structure> read_extxyz(const std::string& path, const LabelKeys& keys) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "cannot open file for reading");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw InputError(path, "read error");
  return parse_text(buffer.str(), path, keys);
}

Structure read_extxyz_frame(const std::string& path, long frame, const std::string& where) {
  std::vector<Structure> frames = read_extxyz(path);
  const long n = static_cast<long>(frames.size());
  const long index = frame < 0 ? n + frame : frame;
  if (index < 0 || index >= n)
    throw InputError(where, "frame: " + std::to_string(frame) + " out of range for '" + path +
                                "' with " + std::to_string(n) + " frames");
  return std::move(frames[static_cast<std::size_t>(index)]);
}

}  // namespace lnet
