// Smooth PME (Essmann et al. 1995) for point charges and dipoles (DESIGN.md §1.5), the three
// phases of coulomb_kspace.hpp. Follows es::detail::pme_reciprocal_energy: mesh coordinates
// u = r h^-1 K, weight k of axis a at mesh point (floor(u_a) - k) mod K_a, dipoles spread
// through the spline derivative (mu·grad_r), E = sum over the r2c half spectrum of
// C(m) |FFT(Q)(m)|^2 with C = (2 pi / V) exp(-k^2/4a^2)/k^2 / |b(m)|^2 times its multiplicity.
#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <mutex>
#include <string>

#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"
#include "lnet/infer/bspline.hpp"
#include "lnet/infer/coulomb_kspace.hpp"
#include "lnet/infer/omp_threads.hpp"

namespace lnet::infer::coulomb_detail {

namespace {
constexpr double kPi = 3.14159265358979323846;

double cardinal_bspline(int n, double x) {
  if (x <= 0 || x >= n) return 0;
  if (n == 2) return 1 - std::abs(x - 1);
  return (x * cardinal_bspline(n - 1, x) + (n - x) * cardinal_bspline(n - 1, x - 1)) / (n - 1);
}

std::mutex& planner_mutex() {  // FFTW's planner is not thread-safe
  static std::mutex m;
  return m;
}

// Where one site's weights land and its scaled dipole.
struct SiteSplines {
  std::array<SplineWeights, 3> w;
  std::array<int, 3> base{};    // floor(u_a)
  Vec3 mu_mesh = Vec3::Zero();  // mu·d u / d r = K_a (mu h^-1)_a
};

}  // namespace

std::vector<double> bspline_moduli(int size, int order) {
  std::vector<double> den(size);
  for (int m = 0; m < size; ++m) {
    std::complex<double> s = 0;
    for (int k = 0; k <= order - 2; ++k)
      s += cardinal_bspline(order, k + 1.0) * std::polar(1.0, 2 * kPi * m * k / size);
    den[m] = std::norm(s);
  }
  for (int m = 0; m < size; ++m)
    if (den[m] < 1e-7) den[m] = 0.5 * (den[(m + size - 1) % size] + den[(m + 1) % size]);
  std::vector<double> mod(size);
  for (int m = 0; m < size; ++m) mod[m] = 1.0 / den[m];
  return mod;
}

namespace {

class PmeKSpace final : public KSpace {
 public:
  PmeKSpace(const CoulombParameters& p, const Mat3& cell)
      : alpha_(p.alpha),
        order_(p.order),
        mesh_(p.mesh),
        inv_(cell.inverse()),
        volume_(std::abs(cell.determinant())) {
    if (order_ < 4 || order_ > kMaxOrder)
      throw Error("pme: B-spline order must be in 4.." + std::to_string(kMaxOrder) + ", got " +
                  std::to_string(order_));
    for (int a = 0; a < 3; ++a)
      if (mesh_[a] < 1) throw Error("pme: mesh entries must be >= 1");
    points_ = std::size_t(mesh_[0]) * mesh_[1] * mesh_[2];
    half_ = std::size_t(mesh_[0]) * mesh_[1] * (mesh_[2] / 2 + 1);
    influence();
    real_ = fftw_alloc_real(points_);
    spectrum_ = fftw_alloc_complex(half_);
    std::lock_guard<std::mutex> lock(planner_mutex());
    forward_ = fftw_plan_dft_r2c_3d(mesh_[0], mesh_[1], mesh_[2], real_, spectrum_, FFTW_ESTIMATE);
    backward_ = fftw_plan_dft_c2r_3d(mesh_[0], mesh_[1], mesh_[2], spectrum_, real_, FFTW_ESTIMATE);
  }
  ~PmeKSpace() override {
    std::lock_guard<std::mutex> lock(planner_mutex());
    fftw_destroy_plan(forward_);
    fftw_destroy_plan(backward_);
    fftw_free(real_);
    fftw_free(spectrum_);
  }
  PmeKSpace(const PmeKSpace&) = delete;
  PmeKSpace& operator=(const PmeKSpace&) = delete;

  // [mesh K0 x K1 x K2, row-major (index (g0 K1 + g1) K2 + g2), Q].
  std::vector<double> make_buffer() const override { return std::vector<double>(points_ + 1, 0.0); }

  // Threads spread contiguous chunks of the sites into their own meshes (chunk 0 straight into
  // `buffer`), summed into `buffer` in chunk order: deterministic for a thread count, and equal
  // across thread counts to rounding.
  void spread(const CoulombSites& s, std::vector<double>& buffer) const override {
    const std::size_t chunks =
        std::min<std::size_t>(max_threads(), s.size / kSitesPerChunk + (s.size > 0));
    for (std::size_t j = 0; j < s.size; ++j) buffer[points_] += s.q(j);
    if (chunks <= 1) {
      spread_range(s, 0, s.size, buffer.data());
      return;
    }
    std::vector<double> extra((chunks - 1) * points_);
#pragma omp parallel for schedule(static, 1)
    for (std::size_t c = 0; c < chunks; ++c) {
      double* mesh = c == 0 ? buffer.data() : extra.data() + (c - 1) * points_;
      if (c > 0) std::fill(mesh, mesh + points_, 0.0);
      spread_range(s, s.size * c / chunks, s.size * (c + 1) / chunks, mesh);
    }
#pragma omp parallel for schedule(static)
    for (std::size_t x = 0; x < points_; ++x) {
      double v = buffer[x];
      for (std::size_t c = 1; c < chunks; ++c) v += extra[(c - 1) * points_ + x];
      buffer[x] = v;
    }
  }

  KSpaceSolution solve(std::vector<double>& buffer) override;
  void interpolate(const CoulombSites& s, const std::vector<double>& buffer,
                   ElectrostaticsResult& out, std::size_t offset) const override;

 private:
  // Below this many sites per thread a second mesh costs more than it saves.
  static constexpr std::size_t kSitesPerChunk = 256;
  void spread_range(const CoulombSites& s, std::size_t begin, std::size_t end, double* mesh) const {
    for (std::size_t j = begin; j < end; ++j) {
      const SiteSplines sp = splines(s, j);
      const double q = s.q(j);
      const Vec3& m = sp.mu_mesh;
      const auto &w0 = sp.w[0], &w1 = sp.w[1], &w2 = sp.w[2];
      if (!s.dipoles) {  // charges only: the weight products factor per axis
        const MeshPoints g = mesh_points(sp);
        for (int k0 = 0; k0 < order_; ++k0) {
          const double a = q * w0.value[k0];
          for (int k1 = 0; k1 < order_; ++k1) {
            const double b = a * w1.value[k1];
            double* row = mesh + (std::size_t(g[0][k0]) * mesh_[1] + g[1][k1]) * mesh_[2];
            for (int k2 = 0; k2 < order_; ++k2) row[g[2][k2]] += b * w2.value[k2];
          }
        }
        continue;
      }
      for_each_point(sp, [&](std::size_t idx, int k0, int k1, int k2) {
        double v = q * (w0.value[k0] * w1.value[k1] * w2.value[k2]);
        if (s.dipoles)
          v += m[0] * (w0.d1[k0] * w1.value[k1] * w2.value[k2]) +
               m[1] * (w0.value[k0] * w1.d1[k1] * w2.value[k2]) +
               m[2] * (w0.value[k0] * w1.value[k1] * w2.d1[k2]);
        mesh[idx] += v;
      });
    }
  }
  void influence();
  SiteSplines splines(const CoulombSites& s, std::size_t j) const {
    SiteSplines sp;
    const Vec3 u = (s.positions[j].transpose() * inv_).transpose();
    const Vec3 mu = (s.mu(j).transpose() * inv_).transpose();
    for (int a = 0; a < 3; ++a) {
      const double ua = u[a] * mesh_[a];
      const double u0 = std::floor(ua);
      sp.base[a] = static_cast<int>(u0);
      sp.w[a] = spline_weights(ua - u0, order_, s.dipoles != nullptr);
      sp.mu_mesh[a] = mu[a] * mesh_[a];
    }
    return sp;
  }
  // Mesh index along each axis of the site's weight k, (floor(u_a) - k) mod K_a.
  using MeshPoints = std::array<std::array<int, kMaxOrder>, 3>;
  MeshPoints mesh_points(const SiteSplines& sp) const {
    MeshPoints g{};
    for (int a = 0; a < 3; ++a)
      for (int k = 0; k < order_; ++k) {
        const int m = (sp.base[a] - k) % mesh_[a];
        g[a][k] = m < 0 ? m + mesh_[a] : m;
      }
    return g;
  }
  // Calls f(index, k0, k1, k2) for the order^3 mesh points a site touches.
  template <class F>
  void for_each_point(const SiteSplines& sp, F&& f) const {
    const MeshPoints g = mesh_points(sp);
    for (int k0 = 0; k0 < order_; ++k0)
      for (int k1 = 0; k1 < order_; ++k1) {
        const std::size_t row = (std::size_t(g[0][k0]) * mesh_[1] + g[1][k1]) * mesh_[2];
        for (int k2 = 0; k2 < order_; ++k2) f(row + g[2][k2], k0, k1, k2);
      }
  }
  // Wave vector of half-mesh entry (m0, m1, m2): k = 2 pi m h^-T with m_a in (-K/2, K/2].
  Vec3 wave_vector(int i0, int i1, int i2) const {
    const int m[3] = {i0 <= mesh_[0] / 2 ? i0 : i0 - mesh_[0],
                      i1 <= mesh_[1] / 2 ? i1 : i1 - mesh_[1], i2};
    return 2 * kPi * (m[0] * inv_.col(0) + m[1] * inv_.col(1) + m[2] * inv_.col(2));
  }

  double alpha_;
  int order_;
  std::array<int, 3> mesh_;
  Mat3 inv_;
  double volume_;
  std::size_t points_ = 0, half_ = 0;
  std::vector<double> c_;  // influence function on the half mesh, without multiplicity
  double* real_ = nullptr;
  fftw_complex* spectrum_ = nullptr;
  fftw_plan forward_ = nullptr, backward_ = nullptr;
};

void PmeKSpace::influence() {
  std::array<std::vector<double>, 3> mod;
  for (int a = 0; a < 3; ++a) mod[a] = bspline_moduli(mesh_[a], order_);
  const int n2 = mesh_[2] / 2 + 1;
  c_.assign(half_, 0.0);
  for (int i0 = 0; i0 < mesh_[0]; ++i0)
    for (int i1 = 0; i1 < mesh_[1]; ++i1)
      for (int i2 = 0; i2 < n2; ++i2) {
        const double k2 = wave_vector(i0, i1, i2).squaredNorm();
        if (!(k2 > 0)) continue;
        const double g = std::exp(-k2 / (4 * alpha_ * alpha_)) / k2;
        c_[(std::size_t(i0) * mesh_[1] + i1) * n2 + i2] =
            (2 * kPi) / volume_ * g * (mod[0][i0] * mod[1][i1] * mod[2][i2]);
      }
}

KSpaceSolution PmeKSpace::solve(std::vector<double>& buffer) {
  const double ke = units::coulomb, inv4a2 = 1.0 / (4 * alpha_ * alpha_);
  std::copy(buffer.begin(), buffer.begin() + points_, real_);
  fftw_execute(forward_);
  const int n2 = mesh_[2] / 2 + 1;
  KSpaceSolution out;
  // Per-thread sums over planes i0, added in thread order (deterministic for a thread count).
  std::vector<KSpaceSolution> part(max_threads());
#pragma omp parallel
  {
    KSpaceSolution& my = part[thread_id()];
#pragma omp for schedule(static)
    for (int i0 = 0; i0 < mesh_[0]; ++i0)
      for (int i1 = 0; i1 < mesh_[1]; ++i1)
        for (int i2 = 0; i2 < n2; ++i2) {
          const std::size_t idx = (std::size_t(i0) * mesh_[1] + i1) * n2 + i2;
          double* f = spectrum_[idx];
          const double c = c_[idx];
          if (c != 0) {
            // The r2c half spectrum holds m2 = 0 and K2/2 (even K2) once, the others twice.
            const double mult = (i2 == 0 || (mesh_[2] % 2 == 0 && i2 == n2 - 1)) ? 1.0 : 2.0;
            const double e = ke * mult * c * (f[0] * f[0] + f[1] * f[1]);
            const Vec3 k = wave_vector(i0, i1, i2);
            my.energy += e;
            my.virial +=
                e * (Mat3::Identity() - 2 * (inv4a2 + 1 / k.squaredNorm()) * k * k.transpose());
          }
          f[0] *= c;  // C FFT(Q): its inverse transform is (1/2) dE/dQ
          f[1] *= c;
        }
  }
  for (const KSpaceSolution& p : part) {
    out.energy += p.energy;
    out.virial += p.virial;
  }
  fftw_execute(backward_);  // unnormalised: sum over the whole (Hermitian) spectrum
  for (std::size_t x = 0; x < points_; ++x) buffer[x] = 2 * ke * real_[x];
  out.total_charge = buffer[points_];
  const double bg = ke * background_energy(out.total_charge, volume_, alpha_);
  out.energy += bg;
  out.virial += bg * Mat3::Identity();
  return out;
}

void PmeKSpace::interpolate(const CoulombSites& s, const std::vector<double>& buffer,
                            ElectrostaticsResult& out, std::size_t offset) const {
  const double bg = units::coulomb * background_potential(buffer[points_], volume_, alpha_);
  Mat3 to_r;  // d u_a / d r_c = inv(c, a) K_a: column a
  for (int a = 0; a < 3; ++a) to_r.col(a) = inv_.col(a) * mesh_[a];
  std::vector<Vec3> field_k(s.size);
#pragma omp parallel for schedule(static)
  for (std::size_t j = 0; j < s.size; ++j) {
    const SiteSplines sp = splines(s, j);
    const auto &w0 = sp.w[0], &w1 = sp.w[1], &w2 = sp.w[2];
    // sums over the site's points of dE/dQ times the weight product and its u-derivatives
    double s0 = 0;
    Vec3 s1 = Vec3::Zero();
    if (!s.dipoles) {  // charges only: no second derivatives, weight products per axis
      const MeshPoints g = mesh_points(sp);
      for (int k0 = 0; k0 < order_; ++k0)
        for (int k1 = 0; k1 < order_; ++k1) {
          const double* row =
              buffer.data() + (std::size_t(g[0][k0]) * mesh_[1] + g[1][k1]) * mesh_[2];
          double p0 = 0, p1 = 0;
          for (int k2 = 0; k2 < order_; ++k2) {
            const double p = row[g[2][k2]];
            p0 += p * w2.value[k2];
            p1 += p * w2.d1[k2];
          }
          const double v0 = w0.value[k0], v1 = w1.value[k1];
          s0 += v0 * v1 * p0;
          s1 += Vec3(w0.d1[k0] * v1 * p0, v0 * w1.d1[k1] * p0, v0 * v1 * p1);
        }
      field_k[j] = -(to_r * s1);
      out.potential[offset + j] += s0 + bg;
      out.field[offset + j] += field_k[j];
      out.forces[offset + j] -= to_r * (s.q(j) * s1);
      continue;
    }
    Mat3 s2 = Mat3::Zero();
    for_each_point(sp, [&](std::size_t idx, int k0, int k1, int k2) {
      const double p = buffer[idx];
      const double v0 = w0.value[k0], v1 = w1.value[k1], v2 = w2.value[k2];
      const double d0 = w0.d1[k0], d1 = w1.d1[k1], d2 = w2.d1[k2];
      s0 += p * v0 * v1 * v2;
      s1 += p * Vec3(d0 * v1 * v2, v0 * d1 * v2, v0 * v1 * d2);
      s2(0, 0) += p * w0.d2[k0] * v1 * v2;
      s2(1, 1) += p * v0 * w1.d2[k1] * v2;
      s2(2, 2) += p * v0 * v1 * w2.d2[k2];
      s2(0, 1) += p * d0 * d1 * v2;
      s2(0, 2) += p * d0 * v1 * d2;
      s2(1, 2) += p * v0 * d1 * d2;
    });
    s2(1, 0) = s2(0, 1);
    s2(2, 0) = s2(0, 2);
    s2(2, 1) = s2(1, 2);
    const Vec3 de_du = s.q(j) * s1 + s2 * sp.mu_mesh;  // dE/du_a at fixed mu
    field_k[j] = -(to_r * s1);                         // -dE/dmu = -(du/dmu) dE/dmu_mesh
    out.potential[offset + j] += s0 + bg;
    out.field[offset + j] += field_k[j];
    out.forces[offset + j] -= to_r * de_du;
  }
  coulomb_detail::add_dipole_virial(s, field_k, out.virial);
}

}  // namespace

std::unique_ptr<KSpace> make_pme(const CoulombParameters& p, const Mat3& cell) {
  return std::make_unique<PmeKSpace>(p, cell);
}

}  // namespace lnet::infer::coulomb_detail
