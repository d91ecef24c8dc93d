#include "lnet/infer/gemm.hpp"

#include <dlfcn.h>

#include <type_traits>

namespace lnet::infer {

namespace {

// The CBLAS entry points, looked up in the symbols the process already has (RTLD_DEFAULT), and
// only when they are OpenBLAS's: netlib's reference BLAS would be slower than Eigen.
enum { kRowMajor = 101, kNoTrans = 111, kTrans = 112 };
using Dgemm = void (*)(int, int, int, int, int, int, double, const double*, int, const double*, int,
                       double, double*, int);
using Sgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int,
                       float, float*, int);

struct Blas {
  Dgemm dgemm = nullptr;
  Sgemm sgemm = nullptr;
  Blas() {
    if (!dlsym(RTLD_DEFAULT, "openblas_get_config")) return;
    dgemm = reinterpret_cast<Dgemm>(dlsym(RTLD_DEFAULT, "cblas_dgemm"));
    sgemm = reinterpret_cast<Sgemm>(dlsym(RTLD_DEFAULT, "cblas_sgemm"));
  }
};

const Blas& blas() {
  static const Blas b;
  return b;
}

}  // namespace

bool gemm_uses_openblas() { return blas().dgemm && blas().sgemm; }

template <class T>
void gemm(const GemmMat<T>& a, bool transpose_a, const GemmMat<T>& b, bool transpose_b,
          GemmMat<T>& c, bool accumulate) {
  const Eigen::Index m = transpose_a ? a.cols() : a.rows(), k = transpose_a ? a.rows() : a.cols(),
                     n = transpose_b ? b.rows() : b.cols();
  if (!accumulate) c.resize(m, n);
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (!accumulate) c.setZero();
    return;
  }
  const auto f = [] {
    if constexpr (std::is_same_v<T, double>)
      return blas().dgemm;
    else
      return blas().sgemm;
  }();
  if (f) {
    f(kRowMajor, transpose_a ? kTrans : kNoTrans, transpose_b ? kTrans : kNoTrans,
      static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), T(1), a.data(),
      static_cast<int>(a.cols()), b.data(), static_cast<int>(b.cols()), accumulate ? T(1) : T(0),
      c.data(), static_cast<int>(c.cols()));
    return;
  }
  gemm_eigen(a, transpose_a, b, transpose_b, c, accumulate);
}

template <class T>
void gemm_eigen(const GemmMat<T>& a, bool transpose_a, const GemmMat<T>& b, bool transpose_b,
                GemmMat<T>& c, bool accumulate) {
  if (!accumulate)
    c = GemmMat<T>::Zero(transpose_a ? a.cols() : a.rows(), transpose_b ? b.rows() : b.cols());
  if (transpose_a && transpose_b)
    c.noalias() += a.transpose() * b.transpose();
  else if (transpose_a)
    c.noalias() += a.transpose() * b;
  else if (transpose_b)
    c.noalias() += a * b.transpose();
  else
    c.noalias() += a * b;
}

template void gemm(const GemmMat<float>&, bool, const GemmMat<float>&, bool, GemmMat<float>&, bool);
template void gemm(const GemmMat<double>&, bool, const GemmMat<double>&, bool, GemmMat<double>&,
                   bool);
template void gemm_eigen(const GemmMat<float>&, bool, const GemmMat<float>&, bool, GemmMat<float>&,
                         bool);
template void gemm_eigen(const GemmMat<double>&, bool, const GemmMat<double>&, bool,
                         GemmMat<double>&, bool);

}  // namespace lnet::infer
