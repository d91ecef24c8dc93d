// Large real matrix products of the training networks (radial_mlp.hpp) through an optimised
// BLAS where the process has one. lnet_infer links no BLAS, but the processes that train
// (lnet, the tests and benchmarks of train) load libtorch, which loads the system's BLAS; on
// Debian with OpenBLAS (scripts/setup.sh) its dgemm uses the CPU's widest vectors at run time,
// where Eigen's kernels are compiled for the build's baseline (SSE2). Without OpenBLAS in the
// process, Eigen computes the same products. Internal to the engine.
#pragma once
#include <Eigen/Core>

namespace lnet::infer {

template <class T>
using GemmMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// c = a' b' (+ c when accumulate), a' = aᵀ if transpose_a, b' = bᵀ if transpose_b. c is resized
// when not accumulating. Thread-safe (OpenBLAS serialises its own threads; lnet runs it with one).
template <class T>
void gemm(const GemmMat<T>& a, bool transpose_a, const GemmMat<T>& b, bool transpose_b,
          GemmMat<T>& c, bool accumulate);

// The same on Eigen's kernels (what gemm() does without OpenBLAS).
template <class T>
void gemm_eigen(const GemmMat<T>& a, bool transpose_a, const GemmMat<T>& b, bool transpose_b,
                GemmMat<T>& c, bool accumulate);

// Whether gemm() runs on OpenBLAS in this process (for logs and benchmarks).
bool gemm_uses_openblas();

}  // namespace lnet::infer
