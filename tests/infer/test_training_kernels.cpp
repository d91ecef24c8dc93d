// Kernels of the training networks: the split-dual products (value and tangent as two real
// GEMMs) equal Eigen's products on the Dual<double> scalar; gemm() (OpenBLAS where the process
// has it, Eigen otherwise) equals Eigen's products for every transpose; the batched radial MLP
// on split duals equals the same MLP written on Dual<double>, forward and reverse; and a
// network with weight gradients (all edges batched and cached) gives the same features and edge
// gradients as the per-receiver inference network.
#include <gtest/gtest.h>

#include <cmath>

#include "infer/engine_fixtures.hpp"
#include "lnet/infer/gemm.hpp"
#include "lnet/infer/radial_mlp.hpp"

namespace lnet::infer {
namespace {

using D = Dual<double>;
using Mat = RowMat<double>;

RowMat<D> random_dual(int rows, int cols) {
  const Mat v = Mat::Random(rows, cols), d = Mat::Random(rows, cols);
  RowMat<D> out(rows, cols);
  for (Eigen::Index q = 0; q < out.size(); ++q) out.data()[q] = D(v.data()[q], d.data()[q]);
  return out;
}

RowMat<D> constant(const Mat& m) { return m.cast<D>(); }

// max |a - b| over values and tangents, relative to max |b|.
double dual_error(const RowMat<D>& a, const RowMat<D>& b) {
  EXPECT_EQ(a.rows(), b.rows());
  EXPECT_EQ(a.cols(), b.cols());
  double err = 0, scale = 0;
  for (Eigen::Index q = 0; q < b.size(); ++q) {
    err = std::max(
        {err, std::abs(a.data()[q].v - b.data()[q].v), std::abs(a.data()[q].d - b.data()[q].d)});
    scale = std::max({scale, std::abs(b.data()[q].v), std::abs(b.data()[q].d)});
  }
  return err / scale;
}

RowMat<D> merged(const SplitMat<double>& m) {
  RowMat<D> out;
  merge(out, m);
  return out;
}

// Only the summation order differs from Eigen's scalar loops: ~1e-16 per term over at most 64
// terms; 1e-13 relative is rounding, while a missing or transposed term is O(1).
constexpr double kRounding = 1e-13;

TEST(TrainingKernels, SplitProductsEqualDualProducts) {
  const RowMat<D> x = random_dual(37, 11), y = random_dual(37, 5);
  const Mat w = Mat::Random(11, 7), wt = Mat::Random(7, 11);
  SplitMat<double> out;
  split_product(out, split(x), w, false);
  RowMat<D> ref = x * constant(w);
  EXPECT_LT(dual_error(merged(out), ref), kRounding);
  split_product(out, split(x), wt, true);
  ref = x * constant(wt).transpose();
  EXPECT_LT(dual_error(merged(out), ref), kRounding);
  // A tangent-free input keeps a zero (empty) tangent.
  split_product(out, split(Mat(Mat::Random(4, 11))), w, false);
  EXPECT_FALSE(out.has_tangent());

  // g += xᵀ y, starting from a non-zero g.
  const RowMat<D> g0 = random_dual(11, 5);
  SplitMat<double> g = split(g0);
  add_split_gram(g, split(x), split(y));
  ref = g0 + RowMat<D>(x.transpose() * y);
  EXPECT_LT(dual_error(merged(g), ref), kRounding);
}

TEST(TrainingKernels, GemmEqualsEigenForEveryTranspose) {
  const Mat a = Mat::Random(9, 6), b = Mat::Random(6, 5), c0 = Mat::Random(9, 5);
  const Mat at = a.transpose(), bt = b.transpose();
  const Mat ref = a * b;
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      const Mat& x = ta ? at : a;
      const Mat& y = tb ? bt : b;
      Mat c;
      gemm(x, ta == 1, y, tb == 1, c, false);
      EXPECT_LT((c - ref).cwiseAbs().maxCoeff(), 1e-14) << ta << tb;
      Mat acc = c0;
      gemm(x, ta == 1, y, tb == 1, acc, true);
      EXPECT_LT((acc - (c0 + ref)).cwiseAbs().maxCoeff(), 1e-14) << ta << tb;
      // The Eigen fallback (processes without OpenBLAS) gives the same.
      Mat e = c0;
      gemm_eigen(x, ta == 1, y, tb == 1, e, true);
      EXPECT_LT((e - (c0 + ref)).cwiseAbs().maxCoeff(), 1e-14) << ta << tb;
    }
  const Mat f = Mat::Random(3, 2).cast<float>().cast<double>();
  Eigen::Matrix<float, -1, -1, Eigen::RowMajor> fs, fa = f.cast<float>(),
                                                    fb = Mat::Random(2, 4).cast<float>();
  gemm(fa, false, fb, false, fs, false);
  EXPECT_LT((fs - fa * fb).cwiseAbs().maxCoeff(), 1e-6f);
}

// The radial MLP on Dual<double> with Eigen's scalar products: forward, and reverse-mode
// dE/dbasis and dE/dW for dE/dR = dr (all on duals).
struct DualMlp {
  std::vector<RowMat<D>> x, z;
  RowMat<D> r;
  void forward(const std::vector<Mat>& w, const RowMat<D>& basis) {
    x = {basis};
    z.clear();
    for (int k = 0; k < 3; ++k) {
      z.push_back(x[k] * constant(w[k]));
      x.push_back(z[k].unaryExpr([](const D& q) { return D(1.679) * q / (D(1) + exp(-q)); }));
    }
    r = x[3] * constant(w[3]);
  }
  RowMat<D> backward(const std::vector<Mat>& w, RowMat<D> d, std::vector<RowMat<D>>& dw) const {
    for (int k = 3; k >= 0; --k) {
      dw[k] = x[k].transpose() * d;
      RowMat<D> prev = d * constant(w[k]).transpose();
      if (k == 0) return prev;
      for (Eigen::Index q = 0; q < prev.size(); ++q) {
        const D zz = z[k - 1].data()[q], s = D(1) / (D(1) + exp(-zz));
        prev.data()[q] *= D(1.679) * s * (D(1) + zz * (D(1) - s));
      }
      d = prev;
    }
    return d;
  }
};

TEST(TrainingKernels, RadialMlpOnSplitDualsEqualsTheDualMlp) {
  const int edges = 23, nb = 6, hidden = 16, out = 10;
  std::vector<Mat> w = {Mat::Random(nb, hidden), Mat::Random(hidden, hidden),
                        Mat::Random(hidden, hidden), Mat::Random(hidden, out)};
  const RowMat<D> basis = random_dual(edges, nb), dr = random_dual(edges, out);
  DualMlp ref;
  ref.forward(w, basis);
  std::vector<RowMat<D>> ref_dw(4);
  const RowMat<D> ref_db = ref.backward(w, dr, ref_dw);

  RadialMlp<double> mlp;
  mlp.forward(w, split(basis));
  EXPECT_LT(dual_error(merged(mlp.output()), ref.r), kRounding);
  std::vector<SplitMat<double>> dw;
  for (const Mat& m : w) dw.push_back({Mat::Zero(m.rows(), m.cols()), Mat()});
  const SplitMat<double> db = mlp.backward(w, split(dr), &dw);
  EXPECT_LT(dual_error(merged(db), ref_db), kRounding);
  for (int k = 0; k < 4; ++k) EXPECT_LT(dual_error(merged(dw[k]), ref_dw[k]), kRounding) << k;
}

// The training network (weight gradients: all edges batched, kept for the reverse pass) against
// the inference network (per-receiver blocks, recomputed), on duals with random edge tangents.
TEST(TrainingKernels, CachedNetworkEqualsThePerReceiverNetwork) {
  using namespace lnet::testing;
  torch::manual_seed(3);
  const ModelConfig c = engine_config({2, 3, 2, 1}, false, false);
  lnet::Potential model(c);
  const ModelWeights weights = infer_weights(model);
  const Structure s = random_structure(4, 10, 6.0, true);
  const NeighborList nl = build_neighbor_list(s.positions, s.cell, s.pbc, c.network_a.cutoff);
  Graph<D> g;
  g.num_atoms = static_cast<int>(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) g.species.push_back(i % 2);
  g.receiver = nl.first;
  g.sender = nl.second;
  std::srand(5);
  for (std::size_t k = 0; k < nl.size(); ++k) {
    const auto& n = nl.shifts[k];
    const Vec3 r = s.positions[nl.second[k]] - s.positions[nl.first[k]] +
                   (n[0] * s.cell.row(0) + n[1] * s.cell.row(1) + n[2] * s.cell.row(2)).transpose();
    for (int a = 0; a < 3; ++a) g.vectors.push_back(D(r(a), 2.0 * std::rand() / RAND_MAX - 1));
  }
  g.finalize();
  ASSERT_GT(g.num_edges(), 50u);

  NetworkOptions training;
  training.weight_gradients = true;
  Network<D> plain(weights.a.net), cached(weights.a.net, training);
  const std::vector<Irreps<D>> fp = plain.forward(g), fc = cached.forward(g);
  std::vector<Irreps<D>> seed(fp.size());
  for (std::size_t t = 0; t < fp.size(); ++t)
    for (const RowMat<D>& f : fp[t]) seed[t].push_back(random_dual(f.rows(), f.cols()));
  for (std::size_t t = 0; t < fp.size(); ++t)
    for (std::size_t l = 0; l < fp[t].size(); ++l)
      EXPECT_LT(dual_error(fc[t][l], fp[t][l]), 1e-12) << t << " " << l;
  std::vector<D> gp, gc;
  plain.backward(g, seed, gp);
  NetworkGradient<D> wg = cached.zero_gradient();
  cached.backward(g, seed, gc, &wg);
  const auto as_mat = [](const std::vector<D>& v) {
    return RowMat<D>(Eigen::Map<const RowMat<D>>(v.data(), 1, static_cast<Eigen::Index>(v.size())));
  };
  // Sums over a few hundred edges in another order: 1e-12 relative is rounding.
  EXPECT_LT(dual_error(as_mat(gc), as_mat(gp)), 1e-12);
}

}  // namespace
}  // namespace lnet::infer
