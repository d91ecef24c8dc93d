// Writing extended XYZ that ASE and parse_extxyz read back exactly: numbers in the shortest
// decimal form that round-trips a double, info values and extra columns verbatim.
#include <ostream>
#include <set>
#include <sstream>

#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/io/key_value_line.hpp"
#include "lnet/util/atomic_file.hpp"

namespace lnet {
namespace {

// Keys the writer produces itself; an info entry with one of these names would shadow a label.
const std::set<std::string>& reserved_keys() {
  static const std::set<std::string> keys = {"Lattice", "Properties",  "pbc",    "energy",
                                             "stress",  "virial",      "dipole", "polarization",
                                             "efield",  "epsilon_inf", "weight", "polarizability"};
  return keys;
}

void append_numbers(std::string& out, const double* v, int n) {
  for (int k = 0; k < n; ++k) {
    if (k) out += ' ';
    append_double(out, v[k]);
  }
}

void append_key(std::string& out, const std::string& key, const std::string& value) {
  out += ' ';
  out += quote_value(key);
  out += '=';
  out += quote_value(value);
}

std::string numbers_text(const double* v, int n) {
  std::string s;
  append_numbers(s, v, n);
  return s;
}

// ASE writes Lattice, stress and virial in Fortran order (m(0,0), m(1,0), m(2,0), m(0,1), ...);
// for Lattice that is the cell rows a, b, c because ASE stores Lattice as the transposed cell.
std::string fortran_text(const Mat3& m) { return numbers_text(m.data(), 9); }  // column-major

std::string row_major_text(const Mat3& m) {
  const Eigen::Matrix<double, 3, 3, Eigen::RowMajor> r = m;
  return numbers_text(r.data(), 9);
}

void check_sizes(const Structure& s, std::size_t frame) {
  const std::size_t n = s.size();
  const std::string where = "write_extxyz: frame " + std::to_string(frame) + ": ";
  if (s.positions.size() != n) throw Error(where + "positions and numbers differ in length");
  if (s.forces && s.forces->size() != n) throw Error(where + "forces do not match the atoms");
  if (s.bec && s.bec->size() != n) throw Error(where + "bec does not match the atoms");
  for (const auto& [name, column] : s.extra_arrays)
    if (column.ncols < 1 || column.values.size() != n * std::size_t(column.ncols))
      throw Error(where + "extra array '" + name + "' has " + std::to_string(column.values.size()) +
                  " values for " + std::to_string(n) + " atoms x " + std::to_string(column.ncols) +
                  " columns");
  for (const auto& [name, column] : s.extra_arrays)
    for (const std::string& v : column.values)
      if (v.empty() || v.find_first_of(" \t\r\n") != std::string::npos)
        throw Error(where + "extra array '" + name + "' has an empty or blank-containing value '" +
                    v + "' (atom lines are split on blanks)");
  for (const auto& [key, value] : s.info)
    if (reserved_keys().count(key))
      throw Error(where + "info key '" + key + "' would shadow the label of the same name");
}

std::string properties_text(const Structure& s) {
  std::string p = "species:S:1:pos:R:3";
  if (s.forces) p += ":forces:R:3";
  if (s.bec) p += ":bec:R:9";
  for (const auto& [name, column] : s.extra_arrays) {
    if (name == "species" || name == "pos" || (s.forces && name == "forces") ||
        (s.bec && name == "bec"))
      throw Error("write_extxyz: extra array '" + name + "' clashes with a label column");
    p += ":" + name + ":" + column.type + ":" + std::to_string(column.ncols);
  }
  return p;
}

void append_comment_line(std::string& out, const Structure& s) {
  bool first = true;
  auto key = [&](const std::string& k, const std::string& v) {
    if (first) {
      out += quote_value(k) + "=" + quote_value(v);
      first = false;
    } else {
      append_key(out, k, v);
    }
  };
  if (s.periodic() || !s.cell.isZero(0.0)) key("Lattice", row_major_text(s.cell));
  key("Properties", properties_text(s));
  if (s.energy) key("energy", format_double(*s.energy));
  if (s.stress) key("stress", fortran_text(*s.stress));
  if (s.virial) key("virial", fortran_text(*s.virial));
  if (s.dipole) key("dipole", numbers_text(s.dipole->data(), 3));
  if (s.polarization) key("polarization", numbers_text(s.polarization->data(), 3));
  if (s.efield) key("efield", numbers_text(s.efield->data(), 3));
  if (s.epsilon_inf) key("epsilon_inf", row_major_text(*s.epsilon_inf));
  if (s.polarizability) key("polarizability", row_major_text(*s.polarizability));
  // config_weight in info is read as the weight unless a weight key is present.
  if (s.weight != 1.0 || s.info.count("config_weight")) key("weight", format_double(s.weight));
  for (const auto& [k, v] : s.info) key(k, v);
  std::string pbc;
  for (int k = 0; k < 3; ++k) pbc += std::string(k ? " " : "") + (s.pbc[k] ? "T" : "F");
  key("pbc", pbc);
  out += '\n';
}

void append_atoms(std::string& out, const Structure& s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    out += element_symbol(s.numbers[i]);
    out += ' ';
    append_numbers(out, s.positions[i].data(), 3);
    if (s.forces) {
      out += ' ';
      append_numbers(out, (*s.forces)[i].data(), 3);
    }
    if (s.bec) {
      const Eigen::Matrix<double, 3, 3, Eigen::RowMajor> z = (*s.bec)[i];
      out += ' ';
      append_numbers(out, z.data(), 9);
    }
    for (const auto& [name, column] : s.extra_arrays)
      for (int c = 0; c < column.ncols; ++c) {
        out += ' ';
        out += column.values[i * column.ncols + c];
      }
    out += '\n';
  }
}

}  // namespace

void write_extxyz(std::ostream& out, const std::vector<Structure>& frames) {
  std::string text;
  for (std::size_t f = 0; f < frames.size(); ++f) {
    const Structure& s = frames[f];
    check_sizes(s, f + 1);
    text.clear();
    text += std::to_string(s.size());
    text += '\n';
    append_comment_line(text, s);
    append_atoms(text, s);
    out.write(text.data(), std::streamsize(text.size()));
  }
  if (!out) throw Error("write_extxyz: stream write failed");
}

void write_extxyz(const std::string& path, const std::vector<Structure>& frames) {
  // Built in memory, then written atomically: a full disk or a crash keeps the previous file,
  // and the error names the path and the system's reason.
  std::ostringstream out;
  write_extxyz(out, frames);
  write_file_atomic(path, out.str());
}

}  // namespace lnet
