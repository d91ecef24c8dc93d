// The equivariant message-passing network of src/lnet/nn (network.cpp, interaction.cpp,
// equivariant.cpp, radial.cpp) as a fused CPU forward pass and a hand-written reverse pass.
// Receiver-major: the edges of one receiver are processed as a block (radial MLP as
// small GEMMs, Y·CG per edge and path) and their messages accumulate straight into the atom's A;
// nothing of size [edges × m × channels] is kept. Per-edge quantities (harmonics, radial basis,
// radial MLP) are recomputed in the reverse pass, so only per-atom features are stored.
// Training (options.weight_gradients) is one structure per thread instead: the radial MLP of all
// edges runs as a few large real GEMMs (radial_mlp.hpp; Dual<T> split into value and tangent)
// and every per-edge quantity is kept for the reverse pass.
// The forward pass is network.cpp, the reverse pass network_backward.cpp.
#pragma once
#include <Eigen/Core>
#include <memory>
#include <vector>

#include "lnet/infer/dual.hpp"
#include "lnet/infer/spherical.hpp"
#include "lnet/infer/weights.hpp"

namespace lnet::infer {

template <class T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Features per degree l: [N * (2l+1), C], atom-major (row i*(2l+1) + m).
template <class T>
using Irreps = std::vector<RowMat<T>>;

// Directed edges of one structure within one cutoff. Edge k carries a message from sender[k] (j)
// to receiver[k] (i) along vectors[k] = r_j - r_i (+ image shift). Receivers must be ascending
// (as lnet::NeighborList sorts them).
template <class T>
struct Graph {
  int num_atoms = 0;
  std::vector<int> species;           // [N] species index
  std::vector<int> receiver, sender;  // [E]
  std::vector<T> vectors;             // [3E]
  std::vector<int> offsets;           // [N+1] first edge of each receiver (set by finalize)
  std::size_t num_edges() const { return receiver.size(); }
  // Builds offsets; throws lnet::Error when receivers are not ascending or indices are invalid.
  void finalize();
};

// `radial_table` > 0: the radial MLP of each layer, a function of |r| only, is tabulated on that
// many intervals of [0, cutoff] as a cubic Hermite spline (values and exact derivatives at the
// nodes; interpolation error O(h⁴), tested) instead of being evaluated per edge. 0: exact.
struct NetworkOptions {
  int radial_table = 0;
  // Training: forward() also keeps the inputs of the mix and out maps, which backward() needs
  // for the weight gradients. Off for inference, whose passes stay as they are.
  bool weight_gradients = false;
};

// dE/dθ for every weight of a Network, shaped as its weights (weights.hpp: NetworkWeights).
template <class T>
struct NetworkGradient {
  struct Layer {
    std::vector<RowMat<T>> up, mix, out, skip, radial, product;
  };
  RowMat<T> embedding;
  std::vector<Layer> layers;
};

template <class T>
class Network {
 public:
  explicit Network(const NetworkWeights& w, const NetworkOptions& options = {});
  // Features after each layer (the reference's `features`), kept for backward().
  const std::vector<Irreps<T>>& forward(const Graph<T>& g);
  // Reverse pass of the last forward(): `d_features[t][l]` = dE/d(features[t][l]) (same shapes;
  // an empty matrix means zero). Adds dE/d(vectors) to `edge_grad` [3E], and with
  // `weight_grad` (options.weight_gradients and the exact radial MLP needed; the loops over
  // atoms then run on the calling thread, as training runs one structure per thread) adds
  // dE/dθ of every weight to it.
  void backward(const Graph<T>& g, std::vector<Irreps<T>> d_features, std::vector<T>& edge_grad,
                NetworkGradient<T>* weight_grad = nullptr) const;
  // A zero gradient shaped as the weights.
  NetworkGradient<T> zero_gradient() const;
  int channels() const { return c_; }
  int num_layers() const { return static_cast<int>(layers_.size()); }
  // Shapes of the features after layer t (zeros), for the caller's gradients.
  Irreps<T> zeros_like_output(int t, int num_atoms) const;

 private:
  struct Cg {
    int m1, m2, m3;
    T v;
  };
  struct MsgPath {
    int l1, l2, l3;
    std::vector<Cg> cg;
  };
  struct ProdPath {
    int l, order, l3, pair;  // pair: index into pairs (order 2, 3)
    std::vector<Cg> cg;      // order 3: (lk, l3) -> l
  };
  struct Pair {
    int l1, l2, lk;
    std::vector<Cg> cg;
  };
  struct Layer {
    int l_in, l_sh, l_out;
    std::vector<RowMat<T>> up, mix, out, skip, radial, product;
    std::vector<MsgPath> paths;
    std::vector<ProdPath> prod;
    std::vector<Pair> pairs;
    RowMat<T> table;  // radial_table + 1 nodes: [R(r_k) (P*C), dR/dr(r_k) (P*C)]
  };
  // Per-thread scratch for one receiver's block of edges.
  struct Block {
    int k = 0;
    RowMat<T> basis, dbasis, z1, z2, z3, h1, h2, h3, r;  // [k, nb] ... [k, P*C]
    RowMat<T> dr;                                        // dR/d|r| (tabulated radial only)
    std::vector<T> y, dy, u, len;                        // per edge: 16, 48, 3, 1
  };
  // Training: a Block of all edges of a layer and its radial MLP's values (radial_mlp.hpp).
  struct EdgeCache;
  void build_table(Layer& L) const;
  // Harmonics and radial basis of the edges [e0, e0 + k) into b (and with a table, R).
  void edge_geometry(const Layer& L, const Graph<T>& g, int e0, int k, Block& b) const;
  void edge_block(const Layer& L, const Graph<T>& g, int i, Block& b) const;
  // `first`: b's row of receiver i's first edge (0 for a per-receiver block).
  void messages(const Layer& L, const Graph<T>& g, const RowMat<T>* up, int i, const Block& b,
                int first, RowMat<T>* a) const;
  // Reverse of messages() for receiver i: dup_j += dE/d(up_j); dE/dR of its edges into `dr`
  // (rows of length P*C) and dE/dY into `gy` (16 per edge), both zeroed by the caller.
  void message_gradients(const Layer& L, const Graph<T>& g, const RowMat<T>* up,
                         const RowMat<T>* da, int i, const Block& b, int first, RowMat<T>* dup,
                         T* dr, T* gy) const;
  void messages_backward(const Layer& L, const Graph<T>& g, const RowMat<T>* up,
                         const RowMat<T>* da, int i, Block& b, RowMat<T>* dup,
                         std::vector<T>& edge_grad,
                         typename NetworkGradient<T>::Layer* weight_grad) const;
  // Training: the reverse pass of all edges of layer t through its cache.
  void cached_messages_backward(const Layer& L, const Graph<T>& g, int t, const RowMat<T>* da,
                                RowMat<T>* dup, std::vector<T>& edge_grad,
                                typename NetworkGradient<T>::Layer* weight_grad) const;
  void add_edge_gradient(const Layer& L, const Block& b, int e, T gr, const T* gy, T* out) const;
  std::vector<std::vector<T>> coupled_pairs(const Layer& L, const T* const* a) const;
  void product_forward(const Layer& L, int s, const T* const* a, T* const* out) const;
  // `dw` (null: not wanted): per product path, the species' row of its weight gradient.
  void product_backward(const Layer& L, int s, const T* const* a, const T* const* db, T* const* da,
                        T* const* dw) const;
  Irreps<T> layer_forward(const Layer& L, const Graph<T>& g, int t);
  Irreps<T> layer_backward(const Layer& L, const Graph<T>& g, int t, const Irreps<T>& dout,
                           std::vector<T>& edge_grad,
                           typename NetworkGradient<T>::Layer* weight_grad) const;

  int c_, nb_, hidden_, p_, num_species_, table_;
  bool keep_;  // options.weight_gradients
  T cutoff_, avg_neighbors_;
  RowMat<T> embedding_;
  std::vector<Layer> layers_;
  // Saved by forward(): inputs h_t, up(h_t) and mix(A_t) of each layer, and its outputs.
  std::vector<Irreps<T>> h_, up_, a_, features_;
  // With weight gradients: the mix map's input (messages / avg_neighbors) and the out map's
  // (the product basis) of each layer.
  std::vector<Irreps<T>> mix_in_, prod_;
  std::vector<std::shared_ptr<EdgeCache>> cache_;  // per layer, with weight gradients
};

extern template class Network<float>;
extern template class Network<double>;
extern template class Network<Dual<float>>;
extern template class Network<Dual<double>>;

}  // namespace lnet::infer
