#include "lnet/io/reference_frame.hpp"

#include "lnet/core/quantity.hpp"
#include "lnet/io/key_value_line.hpp"

namespace lnet {

namespace {

std::string numbers_text(const double* v, int n) {
  std::string s;
  for (int k = 0; k < n; ++k) {
    if (k) s += ' ';
    append_double(s, v[k]);
  }
  return s;
}

// ASE's order for stress/virial (m(i, j) = v[i + 3j]) is Eigen's column-major storage.
std::string fortran_text(const Mat3& m) { return numbers_text(m.data(), 9); }

std::string row_major_text(const Mat3& m) {
  const Eigen::Matrix<double, 3, 3, Eigen::RowMajor> r = m;
  return numbers_text(r.data(), 9);
}

Structure::Column real_column(int ncols, std::size_t natoms) {
  Structure::Column c;
  c.type = 'R';
  c.ncols = ncols;
  c.values.reserve(natoms * ncols);
  return c;
}

void append_values(Structure::Column& c, const double* v, int n) {
  for (int k = 0; k < n; ++k) c.values.push_back(format_double(v[k]));
}

}  // namespace

Structure reference_frame(const Structure& s) {
  Structure out;
  out.numbers = s.numbers;
  out.positions = s.positions;
  out.cell = s.cell;
  out.pbc = s.pbc;
  out.efield = s.efield;
  auto& info = out.info;
  if (s.energy) info["ref_energy"] = format_double(*s.energy);
  if (s.stress) info["ref_stress"] = fortran_text(*s.stress);
  if (s.virial) info["ref_virial"] = fortran_text(*s.virial);
  if (s.dipole) info["ref_dipole"] = numbers_text(s.dipole->data(), 3);
  if (s.polarization) info["ref_polarization"] = numbers_text(s.polarization->data(), 3);
  if (s.epsilon_inf) info["ref_epsilon_inf"] = row_major_text(*s.epsilon_inf);
  if (s.polarizability) info["ref_polarizability"] = row_major_text(*s.polarizability);
  if (s.weight != 1.0) info["ref_weight"] = format_double(s.weight);
  for (const auto& [key, value] : s.info) info.emplace("ref_" + key, value);  // labels win
  if (s.forces) {
    auto c = real_column(3, s.size());
    for (const Vec3& f : *s.forces) append_values(c, f.data(), 3);
    out.extra_arrays.emplace_back("ref_forces", std::move(c));
  }
  if (s.bec) {
    auto c = real_column(9, s.size());
    for (const Mat3& z : *s.bec) {
      const Eigen::Matrix<double, 3, 3, Eigen::RowMajor> r = z;
      append_values(c, r.data(), 9);
    }
    out.extra_arrays.emplace_back("ref_bec", std::move(c));
  }
  for (const auto& [name, column] : s.extra_arrays) {
    bool taken = false;  // e.g. a `forces` column beside forces read from REF_forces
    for (const auto& [other, unused] : out.extra_arrays) taken |= other == "ref_" + name;
    if (!taken) out.extra_arrays.emplace_back("ref_" + name, column);
  }
  return out;
}

Structure prediction_frame(const Structure& ref, const Evaluation& e) {
  Structure s = reference_frame(ref);
  for (const Quantity& q : quantities()) {
    if (!q.frames) continue;
    const auto v = values(q, e, s);
    if (!v) continue;
    if (q.label) {
      q.label(s, *v);
    } else if (q.per_atom) {
      auto c = real_column(static_cast<int>(q.item_size()), s.size());
      append_values(c, v->data(), static_cast<int>(v->size()));
      s.extra_arrays.emplace_back(q.name, std::move(c));
    } else {
      s.info[q.name] = numbers_text(v->data(), static_cast<int>(v->size()));
    }
  }
  return s;
}

}  // namespace lnet
