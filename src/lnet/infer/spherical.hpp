// Real spherical harmonics with their derivatives, and sparse coupling (Clebsch–Gordan / Gaunt)
// tables, for the inference engine. Same basis, normalisation and ordering as
// src/lnet/nn/spherical.hpp (component normalisation, l = 1 as (x, y, z)).
#pragma once
#include <array>
#include <cmath>
#include <vector>

namespace lnet::infer {

inline constexpr int kMaxL = 3;
inline constexpr int kMaxLm = (kMaxL + 1) * (kMaxL + 1);

// Y[l*l + m] of the unit vector u = (x, y, z) for l <= lmax, and dY[3 * (l*l + m) + a] =
// dY/du_a of the polynomial (x, y, z treated as independent; the caller projects onto the
// tangent plane of the sphere, which is the chain rule through u = v / |v|).
template <class T>
void spherical_harmonics(T x, T y, T z, int lmax, T* Y, T* dY) {
  using std::sqrt;  // unqualified: also for the engine's Dual<T> (dual.hpp)
  Y[0] = 1;
  dY[0] = dY[1] = dY[2] = 0;
  if (lmax < 1) return;
  const T s3 = sqrt(T(3));
  Y[1] = s3 * x, Y[2] = s3 * y, Y[3] = s3 * z;
  for (int k = 3; k < 12; ++k) dY[k] = 0;
  dY[3] = dY[7] = dY[11] = s3;
  if (lmax < 2) return;
  const T s15 = sqrt(T(15)), s5 = sqrt(T(5));
  Y[4] = s15 * x * y, Y[5] = s15 * y * z, Y[6] = T(0.5) * s5 * (3 * z * z - 1), Y[7] = s15 * x * z,
  Y[8] = T(0.5) * s15 * (x * x - y * y);
  T* d = dY + 12;
  d[0] = s15 * y, d[1] = s15 * x, d[2] = 0;
  d[3] = 0, d[4] = s15 * z, d[5] = s15 * y;
  d[6] = 0, d[7] = 0, d[8] = 3 * s5 * z;
  d[9] = s15 * z, d[10] = 0, d[11] = s15 * x;
  d[12] = s15 * x, d[13] = -s15 * y, d[14] = 0;
  if (lmax < 3) return;
  const T a = sqrt(T(35) / 8), b = sqrt(T(105)), c = sqrt(T(21) / 8), e = sqrt(T(7)) / 2;
  const T z2 = z * z;
  Y[9] = a * (3 * x * x - y * y) * y, Y[10] = b * x * y * z, Y[11] = c * y * (5 * z2 - 1),
  Y[12] = e * z * (5 * z2 - 3), Y[13] = c * x * (5 * z2 - 1),
  Y[14] = T(0.5) * b * (x * x - y * y) * z, Y[15] = a * (x * x - 3 * y * y) * x;
  d = dY + 27;
  d[0] = 6 * a * x * y, d[1] = 3 * a * (x * x - y * y), d[2] = 0;
  d[3] = b * y * z, d[4] = b * x * z, d[5] = b * x * y;
  d[6] = 0, d[7] = c * (5 * z2 - 1), d[8] = 10 * c * y * z;
  d[9] = 0, d[10] = 0, d[11] = e * (15 * z2 - 3);
  d[12] = c * (5 * z2 - 1), d[13] = 0, d[14] = 10 * c * x * z;
  d[15] = b * x * z, d[16] = -b * y * z, d[17] = T(0.5) * b * (x * x - y * y);
  d[18] = 3 * a * (x * x - y * y), d[19] = -6 * a * x * y, d[20] = 0;
}

// True when l1 x l2 -> l3 is an allowed parity-preserving coupling.
inline bool coupling_allowed(int l1, int l2, int l3) {
  return l3 >= std::abs(l1 - l2) && l3 <= l1 + l2 && (l1 + l2 + l3) % 2 == 0;
}

// Nonzero entries of the coupling tensor C[m1, m2, m3] (nn::coupling(l1, l2, l3) is its dense
// form).
struct CgEntry {
  int m1, m2, m3;
  double value;
};
// Computed once (thread-safe) by a sphere quadrature.
const std::vector<CgEntry>& coupling(int l1, int l2, int l3);

}  // namespace lnet::infer
