// Throughput of network A (short-range energy + forces) on liquid-water boxes, and the time of
// one training step, short range and long range; prints a markdown report (CONVENTIONS.md,
// Benchmarks). See bench/README.md.
//
//   OPENBLAS_NUM_THREADS=1 build/bench/bench_model [--threads N] [--quick] [--no-profile]
//                                                  [--max-seconds S] [--long-range-only]
//
// Inference: 192-, 1536- and 12288-atom boxes (a generated 64-molecule cell tiled 1, 2x2x2 and
// 4x4x4), models "small" and "medium", float32 and float64. One step = make_batch (neighbour
// list + packing) + forward with forces; the neighbour list alone and make_batch are also
// reported. Training: forward with create_graph, loss, backward, AdamW step, on 4 x 192 atoms,
// against the same step through the CPU engine (engine_loss: exact gradients, AdamW step).
// Long-range training: the same two steps for the NaCl model of examples/nacl/train.yaml (fixed
// and learned charges) on 4 x 64 atoms with energy, force, stress and Born-charge losses.
// Every number is the median over repetitions after one warm-up. A case whose predicted step
// (scaled from the next smaller box) exceeds --max-seconds, or whose predicted memory exceeds
// what the machine has free, is skipped and listed as such.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/version.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lnet/core/neighbor_list.hpp"
#include "lnet/core/thread_environment.hpp"
#include "lnet/model/batch.hpp"
#include "lnet/model/potential.hpp"
#include "lnet/nn/equivariant.hpp"
#include "lnet/nn/radial.hpp"
#include "lnet/nn/spherical.hpp"
#include "lnet/train/engine_loss.hpp"
#include "lnet/train/loss.hpp"
#include "lnet/train/train_config.hpp"
#include "water_box.hpp"

namespace {

using namespace lnet;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string fmtd(const char* f, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, x);
  return buf;
}

// ---------------------------------------------------------------------------------------------
// Machine description and memory.

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

// kB value of a "Key:   123 kB" line in a /proc file, or -1.
long proc_kb(const char* file, const std::string& key) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key + ":", 0) == 0) return std::atol(line.c_str() + key.size() + 1);
  return -1;
}

// The BLAS library actually mapped into this process (libtorch links libblas.so.3, which Debian
// resolves through update-alternatives: reference netlib BLAS unless OpenBLAS/BLIS is installed).
std::string blas_library() {
  std::ifstream in("/proc/self/maps");
  for (std::string line; std::getline(in, line);) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string path = line.substr(slash);
    if (path.find("blas") != std::string::npos || path.find("mkl") != std::string::npos)
      return path;
  }
  return "unknown";
}

// Resets the peak resident set size (VmHWM) of this process; Linux >= 4.0.
void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }
double peak_rss_mb() { return proc_kb("/proc/self/status", "VmHWM") / 1024.0; }
double available_mb() { return proc_kb("/proc/meminfo", "MemAvailable") / 1024.0; }

// ---------------------------------------------------------------------------------------------
using bench::tile;
using bench::water_cell;

// Energy, with or without forces.
Request request(bool forces) {
  Request r;
  r.forces = forces;
  return r;
}

// ---------------------------------------------------------------------------------------------
// Models.

struct ModelSize {
  std::string name;
  int channels, correlation;
};
const ModelSize kSmall{"small", 16, 2}, kMedium{"medium", 64, 3};

ModelConfig model_config(const ModelSize& size, const std::string& dtype, double avg_neighbors) {
  ModelConfig c;
  c.species = {1, 8};
  c.dtype = dtype;
  // cutoff, num_basis, envelope_p, l_max, l_hidden, channels, correlation, layers, radial_hidden
  c.network_a = {5.0, 8, 5, 2, 1, size.channels, size.correlation, 2, 64};
  c.e0 = {0.0, 0.0};
  c.avg_neighbors_a = avg_neighbors;
  return c;
}

Potential make_model(const ModelConfig& c) {
  torch::manual_seed(1);
  Potential m(c);
  m->eval();
  return m;
}

int64_t parameter_count(Potential& m) {
  int64_t n = 0;
  for (const auto& p : m->parameters()) n += p.numel();
  return n;
}

// ---------------------------------------------------------------------------------------------
// Inference.

struct Options {
  int threads = 1;
  bool quick = false;
  bool profile = true;
  double max_seconds = 60.0;  // skip a case whose predicted single step is longer
  int64_t max_atoms = 12288;  // largest box
  bool inference = true;
  bool training = true;      // the short-range (water) training-step table
  bool long_range = true;    // the long-range (NaCl, Born charges) training-step table
  bool engine_only = false;  // training step through the engine only (for profiling)
};

struct InferenceResult {
  std::string model, dtype;
  int64_t atoms = 0, edges = 0;
  int reps = 0;
  double nlist = NAN, batch = NAN, model_s = NAN, total = NAN, rss_mb = NAN;
  std::string skipped;  // reason, if skipped
};

// Warm-up + reps: repetitions so that the timed part takes about `budget` seconds, within
// [min_reps, max_reps].
int reps_for(double warmup_s, int min_reps, int max_reps, double budget) {
  int r = warmup_s > 0 ? static_cast<int>(budget / warmup_s) : max_reps;
  return std::clamp(r, min_reps, max_reps);
}

InferenceResult run_inference(const Structure& s, const ModelSize& size, const std::string& dtype,
                              double avg_neighbors, const Options& o) {
  InferenceResult r;
  r.model = size.name;
  r.dtype = dtype;
  r.atoms = static_cast<int64_t>(s.size());
  ModelConfig cfg = model_config(size, dtype, avg_neighbors);
  Potential model = make_model(cfg);
  const Request req = request(true);
  reset_peak_rss();
  auto step = [&](double& t_nl, double& t_batch, double& t_model) {
    auto t0 = Clock::now();
    NeighborList nl = build_neighbor_list(s.positions, s.cell, s.pbc, cfg.network_a.cutoff);
    t_nl = since(t0);
    t0 = Clock::now();
    Batch b = make_batch({&s}, model->config());
    t_batch = since(t0);
    t0 = Clock::now();
    Prediction p = model->forward(b, req);
    t_model = since(t0);
    r.edges = b.edges_a.receiver.size(0);
    if (!std::isfinite(p.energy.sum().item<double>()))
      throw std::runtime_error("non-finite energy");
  };
  double a, b, c;
  step(a, b, c);  // warm-up
  const int reps = o.quick ? reps_for(b + c, 1, 3, 10.0) : reps_for(b + c, 2, 7, 40.0);
  std::vector<double> nl, batch, mod, total;
  for (int k = 0; k < reps; ++k) {
    step(a, b, c);
    nl.push_back(a);
    batch.push_back(b);
    mod.push_back(c);
    total.push_back(b + c);
  }
  r.reps = reps;
  r.nlist = median(nl);
  r.batch = median(batch);
  r.model_s = median(mod);
  r.total = median(total);
  r.rss_mb = peak_rss_mb();
  return r;
}

// ---------------------------------------------------------------------------------------------
// Training step: one batch of labelled structures, one model, one set of loss weights; float64.

// A training-step case: the model, the loss weights and the labelled batch. The labels are zeros
// (their values do not change the cost), but each weighted label must be present so that its
// loss term, and the derivative it needs, is active (run_training checks the request).
struct TrainCase {
  std::string name;
  ModelConfig config;
  LossWeights weights;
  std::vector<Structure> structures;
};

struct TrainResult {
  std::string model;
  bool engine = false;
  int64_t params = 0, atoms = 0;
  int reps = 0;
  double batch = NAN, step = NAN, cpu = NAN, rss_mb = NAN;  // cpu: process CPU time per step
};

// CPU time of the process (all threads): on a shared machine, less sensitive to other jobs than
// the wall time.
double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Throws unless the training request asks for every derivative that the weighted labels need:
// a benchmark whose loss term silently dropped out would time a cheaper step than it claims.
void check_request(const Request& req, const TrainCase& c) {
  std::string missing;
  if (!req.create_graph) missing += " create_graph";
  if (c.weights.forces > 0 && !req.forces) missing += " forces";
  if (c.weights.stress > 0 && !req.stress) missing += " stress";
  if (c.weights.bec > 0 && !req.bec) missing += " bec";
  if (!missing.empty())
    throw std::runtime_error("training request of " + c.name + " lacks" + missing);
}

// Reference step: forward with the training request (create_graph), loss_of, backward through
// torch autograd, AdamW step. Engine step: engine_loss (exact gradients), AdamW step.
TrainResult run_training(const TrainCase& c, bool engine, const Options& o) {
  TrainResult r;
  r.model = c.name;
  r.engine = engine;
  std::vector<const Structure*> ptrs;
  for (const auto& s : c.structures) {
    ptrs.push_back(&s);
    r.atoms += static_cast<int64_t>(s.size());
  }
  Potential model = make_model(c.config);
  model->train();
  r.params = parameter_count(model);
  torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(1e-3));
  const LossWeights& w = c.weights;
  reset_peak_rss();
  std::vector<double> tb;
  auto t0 = Clock::now();
  Batch b = make_batch(ptrs, c.config);
  tb.push_back(since(t0));
  const Request req = request_for(b, c.config, &w);
  check_request(req, c);
  double cpu_step = 0;
  auto step = [&] {
    auto t = Clock::now();
    const double c0 = process_cpu_seconds();
    torch::Tensor loss;
    opt.zero_grad();
    if (engine) {
      loss = engine_loss(model, b, w).loss;  // sets the gradients
    } else {
      Prediction p = model->forward(b, req);
      loss = loss_of(b, p, w);
      loss.backward();
    }
    opt.step();
    if (!std::isfinite(loss.item<double>())) throw std::runtime_error("non-finite loss");
    cpu_step = process_cpu_seconds() - c0;
    return since(t);
  };
  const double warm = step();
  const int reps = o.quick ? reps_for(warm, 2, 3, 10.0) : reps_for(warm, 3, 9, 40.0);
  std::vector<double> ts, cpu;
  for (int k = 0; k < reps; ++k) {
    ts.push_back(step());
    cpu.push_back(cpu_step);
    t0 = Clock::now();
    Batch again = make_batch(ptrs, c.config);
    tb.push_back(since(t0));
  }
  r.reps = reps;
  r.step = median(ts);
  r.cpu = median(cpu);
  r.batch = median(tb);
  r.rss_mb = peak_rss_mb();
  return r;
}

// One training-step table: reference and engine rows per case (the engine only with
// --engine-only), then the reference / engine ratios of the wall times.
void print_training_table(const std::vector<TrainCase>& cases, const Options& o,
                          Clock::time_point t_start) {
  std::printf(
      "| model | path | params | reps | make_batch ms | step ms | step CPU ms | atom-steps/s | "
      "peak RSS MB |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
  std::vector<std::string> ratios;
  for (const TrainCase& c : cases) {
    double steps[2] = {NAN, NAN};
    for (bool engine : {false, true}) {
      if (o.engine_only && !engine) continue;
      try {
        TrainResult r = run_training(c, engine, o);
        steps[engine] = r.step;
        std::printf("| %s | %s | %lld | %d | %.1f | %.1f | %.1f | %.0f | %.0f |\n", r.model.c_str(),
                    engine ? "engine" : "reference", static_cast<long long>(r.params), r.reps,
                    1e3 * r.batch, 1e3 * r.step, 1e3 * r.cpu, r.atoms / r.step, r.rss_mb);
      } catch (const std::exception& e) {
        std::printf("| %s | %s | | | | failed: %s | | | |\n", c.name.c_str(),
                    engine ? "engine" : "reference", e.what());
      }
      std::fflush(stdout);
    }
    ratios.push_back(c.name + " " + fmtd("%.2fx", steps[0] / steps[1]));
    std::fprintf(stderr, "[bench_model] training %s done (%.0f s elapsed)\n", c.name.c_str(),
                 since(t_start));
  }
  std::printf("\nTraining step, reference / engine:");
  for (std::size_t k = 0; k < ratios.size(); ++k)
    std::printf("%s %s", k ? ";" : "", ratios[k].c_str());
  std::printf("\n");
}

// Short-range cases: 4 water boxes of 192 atoms, energy and force labels, default weights
// (energy 1, forces 10).
std::vector<TrainCase> water_training_cases(double avg_neighbors) {
  std::vector<Structure> boxes;
  for (unsigned seed = 1; seed <= 4; ++seed) {
    Structure s = water_cell(seed);
    s.energy = 0.0;
    s.forces = std::vector<Vec3>(s.size(), Vec3::Zero());
    boxes.push_back(std::move(s));
  }
  std::vector<TrainCase> cases;
  for (const ModelSize& size : {kSmall, kMedium})
    cases.push_back(
        {size.name, model_config(size, "float64", avg_neighbors), LossWeights{}, boxes});
  return cases;
}

// Rock-salt NaCl, n x n x n conventional cells of lattice constant a (8 atoms each: Na on the
// fcc sites, Cl shifted by a/2), every Cartesian coordinate displaced by a Gaussian of standard
// deviation `displacement` (seeded), so that forces, stress and Born charges are not all at
// their symmetric values.
Structure rock_salt(int n, double a, double displacement, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, displacement);
  const double frac[8][3] = {{0, 0, 0},    {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0},
                             {.5, .5, .5}, {.5, 0, 0},  {0, .5, 0},  {0, 0, .5}};
  Structure s;
  s.cell = Mat3::Identity() * (a * n);
  s.pbc = {true, true, true};
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      for (int k = 0; k < n; ++k)
        for (int b = 0; b < 8; ++b) {
          const Vec3 r = a * Vec3(i + frac[b][0], j + frac[b][1], k + frac[b][2]);
          s.positions.push_back(r + Vec3(noise(rng), noise(rng), noise(rng)));
          s.numbers.push_back(b < 4 ? 11 : 17);
        }
  return s;
}

// Mean number of neighbours per atom within `cutoff` over the structures (the statistic that
// training fits for each network's message normalisation).
double mean_neighbors(const std::vector<Structure>& structures, double cutoff) {
  std::size_t pairs = 0, atoms = 0;
  for (const auto& s : structures) {
    pairs += build_neighbor_list(s.positions, s.cell, s.pbc, cutoff).size();
    atoms += s.size();
  }
  return static_cast<double>(pairs) / static_cast<double>(atoms);
}

// Long-range cases: 4 NaCl cells of 64 atoms (2x2x2 conventional, a = 5.64 Å, 0.1 Å random
// displacements) with energy, force, stress and Born-charge labels; the model and loss weights
// of examples/nacl/train.yaml, with fixed (nominal) and with learned charges.
std::vector<TrainCase> nacl_training_cases() {
  std::vector<Structure> cells;
  for (unsigned seed = 1; seed <= 4; ++seed) {
    Structure s = rock_salt(2, 5.64, 0.1, seed);
    s.energy = 0.0;
    s.forces = std::vector<Vec3>(s.size(), Vec3::Zero());
    s.stress = Mat3::Zero();
    s.bec = std::vector<Mat3>(s.size(), Mat3::Zero());
    cells.push_back(std::move(s));
  }
  ModelConfig c;
  c.species = {11, 17};
  c.dtype = "float64";
  // cutoff, num_basis, envelope_p, l_max, l_hidden, channels, correlation, layers, radial_hidden
  // (num_basis, envelope_p and radial_hidden: the training config's defaults)
  c.network_a = {5.0, 8, 5, 2, 1, 16, 3, 2, 64};
  c.long_range = true;
  c.network_b = {4.0, 8, 5, 2, 1, 8, 2, 2, 32};
  c.charges = {{11, 1.0}, {17, -1.0}};
  c.sigma = {{11, 1.0}, {17, 1.0}};
  c.epsilon_s = 2.4;
  c.es_accuracy = 1e-5;
  c.es_method = "ewald";
  c.e0 = {0.0, 0.0};
  c.avg_neighbors_a = mean_neighbors(cells, c.network_a.cutoff);
  c.avg_neighbors_b = mean_neighbors(cells, c.network_b.cutoff);
  LossWeights w;
  w.energy = 1.0;
  w.forces = 10.0;
  w.stress = 1.0;
  w.bec = 1.0;
  std::vector<TrainCase> cases;
  cases.push_back({"nacl fixed charges", c, w, cells});
  c.learn_charges = true;
  cases.push_back({"nacl learned charges", c, w, cells});
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Profile of one case: energy-only vs energy + forces, per-op self times from the legacy
// autograd profiler (forward vs backward, and edge- vs node-sized by the first input dimension),
// and hand-timed replicas of the pieces of one interaction layer.

struct OpStat {
  double self_us = 0;
  long calls = 0;
};

void print_op_profile(const torch::autograd::profiler::thread_event_lists& lists, int64_t n_edges,
                      int64_t n_nodes, int calls) {
  using torch::autograd::profiler::EventKind;
  std::map<std::string, OpStat> ops;        // "op [phase, size]" -> self time
  std::map<std::string, OpStat> bwd_nodes;  // autograd node -> inclusive time
  double total_us = 0;
  const std::string eval_prefix = "autograd::engine::evaluate_function: ";
  for (const auto& list : lists) {
    struct Frame {
      const torch::autograd::profiler::LegacyEvent* ev;
      double child_us;
      std::string cls;
    };
    std::vector<Frame> stack;
    for (const auto& e : list) {
      if (e.kind() == EventKind::PushRange) {
        std::string cls;
        for (const auto& sh : e.shapes())
          if (!sh.empty() && sh[0] == n_edges) cls = "E";
        if (cls.empty())
          for (const auto& sh : e.shapes())
            if (!sh.empty() && sh[0] == n_nodes) cls = "N";
        stack.push_back({&e, 0.0, cls});
      } else if (e.kind() == EventKind::PopRange && !stack.empty()) {
        Frame f = stack.back();
        stack.pop_back();
        const double incl = f.ev->cpuElapsedUs(e);
        std::string name = f.ev->name();
        bool backward = false;
        std::string node;
        for (const auto& g : stack) {
          std::string n = g.ev->name();
          if (n.rfind(eval_prefix, 0) == 0) {
            backward = true;
            node = n.substr(eval_prefix.size());
          }
        }
        if (name.rfind(eval_prefix, 0) == 0) {
          auto& s = bwd_nodes[name.substr(eval_prefix.size())];
          s.self_us += incl;
          s.calls += 1;
        }
        if (stack.empty()) total_us += incl;
        if (!stack.empty()) stack.back().child_us += incl;
        if (name.rfind("autograd::", 0) == 0) continue;  // wrappers: their ops are counted
        std::string key =
            name + " [" + (backward ? "bwd" : "fwd") + (f.cls.empty() ? "" : ", " + f.cls) + "]";
        auto& s = ops[key];
        s.self_us += incl - f.child_us;
        s.calls += 1;
      }
    }
  }
  auto top = [&](const std::map<std::string, OpStat>& m, int n, const char* title,
                 const char* what) {
    std::vector<std::pair<std::string, OpStat>> v(m.begin(), m.end());
    std::sort(v.begin(), v.end(),
              [](const auto& a, const auto& b) { return a.second.self_us > b.second.self_us; });
    std::printf(
        "\n%s\n\n| %s | ms per step | %% of step | calls per step |\n|---|---:|---:|---:|\n", title,
        what);
    for (int k = 0; k < n && k < static_cast<int>(v.size()); ++k)
      std::printf("| `%s` | %.2f | %.1f | %.0f |\n", v[k].first.c_str(),
                  v[k].second.self_us / 1e3 / calls, 100.0 * v[k].second.self_us / total_us,
                  static_cast<double>(v[k].second.calls) / calls);
  };
  std::printf(
      "\nProfiled %d steps: %.1f ms per step under the profiler (E = edge-sized input, "
      "first dim %lld; N = node-sized, %lld).\n",
      calls, total_us / 1e3 / calls, static_cast<long long>(n_edges),
      static_cast<long long>(n_nodes));
  top(ops, 15, "Top aten ops by self time:", "op [phase, size]");
  top(bwd_nodes, 12, "Top autograd backward nodes (inclusive):", "node");
}

template <class F>
double time_median(F f, int reps) {
  f();
  std::vector<double> t;
  for (int k = 0; k < reps; ++k) {
    auto t0 = Clock::now();
    f();
    t.push_back(since(t0));
  }
  return median(t);
}

// Replicas of the pieces of InteractionLayerImpl::forward (src/lnet/nn/interaction.cpp) for a
// layer with input degree l_in, timed forward and forward + gradient (as for forces).
void print_layer_sections(const Batch& b, const ModelConfig& cfg, int reps) {
  const auto& h = cfg.network_a;
  const auto dt = cfg.dtype == "float32" ? torch::kFloat32 : torch::kFloat64;
  const auto opt = torch::TensorOptions().dtype(dt);
  const int64_t c = h.channels, n = b.positions.size(0), ne = b.edges_a.receiver.size(0);
  const int l_in = h.l_hidden, l_sh = h.l_max;
  torch::manual_seed(2);
  auto pos = b.positions.to(dt);
  auto shift = torch::bmm(b.edges_a.shift.unsqueeze(1), b.cell.index_select(0, b.edges_a.structure))
                   .squeeze(1);
  auto vec0 =
      (pos.index_select(0, b.edges_a.sender) - pos.index_select(0, b.edges_a.receiver) + shift)
          .detach();
  nn::RadialBasis basis(h.cutoff, h.num_basis, h.envelope_p);
  struct P {
    int l1, l2, l3;
  };
  std::vector<P> paths;
  for (int l1 = 0; l1 <= l_in; ++l1)
    for (int l2 = 0; l2 <= l_sh; ++l2)
      for (int l3 = 0; l3 <= l_sh; ++l3)
        if (nn::coupling_allowed(l1, l2, l3)) paths.push_back({l1, l2, l3});
  nn::RadialMlp mlp(h.num_basis, h.radial_hidden, 3, static_cast<int>(paths.size()) * c);
  nn::ProductBasis product(l_sh, h.l_hidden, h.correlation, 2, static_cast<int>(c));
  mlp->to(dt);
  product->to(dt);
  std::vector<torch::Tensor> hnode, anode;
  for (int l = 0; l <= l_in; ++l) hnode.push_back(torch::randn({n, 2 * l + 1, c}, opt));
  for (int l = 0; l <= l_sh; ++l) anode.push_back(torch::randn({n, 2 * l + 1, c}, opt));
  const auto species = b.species;

  struct Row {
    std::string name;
    double fwd, both;
  };
  std::vector<Row> rows;
  // grad: leaves that forces would differentiate (edge vectors / node features).
  auto measure = [&](const std::string& name, std::function<torch::Tensor(bool)> f) {
    double fwd = time_median(
        [&] {
          torch::NoGradGuard g;
          f(false);
        },
        reps);
    double both = time_median([&] { f(true); }, reps);
    rows.push_back({name, fwd, both});
  };
  measure("harmonics + radial basis (edge)", [&](bool g) {
    auto v = vec0.clone().requires_grad_(g);
    auto sh = nn::spherical_harmonics(v, l_sh);
    auto y = basis->forward(v.norm(2, -1)).sum() + sh.back().sum();
    if (g) torch::autograd::grad({y}, {v});
    return y;
  });
  auto radial0 = basis->forward(vec0.norm(2, -1)).detach();
  auto sh0 = nn::spherical_harmonics(vec0, l_sh);
  measure("radial MLP (edge)", [&](bool g) {
    auto r = radial0.clone().requires_grad_(g);
    auto y = mlp->forward(r).sum();
    if (g) torch::autograd::grad({y}, {r});
    return y;
  });
  auto weights0 = mlp->forward(radial0).detach().reshape({ne, -1, c});
  auto tp = [&](bool g, bool scatter) {
    std::vector<torch::Tensor> hn, leaves;
    for (auto& t : hnode) hn.push_back(t.clone().requires_grad_(g));
    auto w = weights0.clone().requires_grad_(g);
    std::vector<torch::Tensor> sh;
    for (auto& t : sh0) sh.push_back(t.clone().requires_grad_(g));
    std::vector<torch::Tensor> hj, a(l_sh + 1);
    for (auto& t : hn) hj.push_back(t.index_select(0, b.edges_a.sender));
    for (std::size_t p = 0; p < paths.size(); ++p) {
      const auto [l1, l2, l3] = paths[p];
      const int64_t m1 = 2 * l1 + 1, m2 = 2 * l2 + 1, m3 = 2 * l3 + 1;
      auto cg = nn::coupling(l1, l2, l3, dt).permute({1, 0, 2}).reshape({m2, m1 * m3});
      auto gg = sh[l2].matmul(cg).reshape({ne, m1, m3});
      auto msg = torch::bmm(gg.transpose(1, 2), hj[l1]) * w.select(1, p).unsqueeze(1);
      a[l3] = a[l3].defined() ? a[l3] + msg : msg;
    }
    torch::Tensor y = torch::zeros({}, opt);
    for (auto& al : a) {
      if (scatter) al = torch::zeros({n, al.size(1), c}, opt).index_add(0, b.edges_a.receiver, al);
      y = y + al.sum();
    }
    if (g) {
      leaves = hn;
      leaves.push_back(w);
      for (auto& t : sh) leaves.push_back(t);
      torch::autograd::grad({y}, leaves, {}, c10::nullopt, false, true);
    }
    return y;
  };
  measure("edge tensor products (gather + CG + bmm + radial weight)",
          [&](bool g) { return tp(g, false); });
  measure("  ... + scatter (index_add) to receivers", [&](bool g) { return tp(g, true); });
  measure("product basis (node)", [&](bool g) {
    std::vector<torch::Tensor> a;
    for (auto& t : anode) a.push_back(t.clone().requires_grad_(g));
    auto out = product->forward(a, species);
    torch::Tensor y = torch::zeros({}, opt);
    for (auto& t : out)
      if (t.defined()) y = y + t.sum();
    if (g) torch::autograd::grad({y}, a, {}, c10::nullopt, false, true);
    return y;
  });
  std::printf(
      "\nHand-timed replicas of one interaction layer (l_in = %d, %zu message paths, "
      "%lld edges, %lld nodes; medians of %d):\n\n"
      "| section | forward ms | forward + gradient ms |\n|---|---:|---:|\n",
      l_in, paths.size(), static_cast<long long>(ne), static_cast<long long>(n), reps);
  for (const auto& r : rows)
    std::printf("| %s | %.2f | %.2f |\n", r.name.c_str(), 1e3 * r.fwd, 1e3 * r.both);
}

void run_profile(const Structure& s, double avg_neighbors) {
  const ModelConfig cfg = model_config(kSmall, "float32", avg_neighbors);
  Potential model = make_model(cfg);
  Batch b = make_batch({&s}, cfg);
  const int64_t ne = b.edges_a.receiver.size(0), n = b.positions.size(0);
  std::printf("\n## Profile: %lld atoms, small, float32\n", static_cast<long long>(n));
  const double e_only = time_median([&] { model->forward(b, request(false)); }, 5);
  const double e_f = time_median([&] { model->forward(b, request(true)); }, 5);
  const double nl = time_median(
      [&] { build_neighbor_list(s.positions, s.cell, s.pbc, cfg.network_a.cutoff); }, 5);
  const double mb = time_median([&] { make_batch({&s}, cfg); }, 5);
  std::printf(
      "\n| part | ms |\n|---|---:|\n| neighbour list (build_neighbor_list) | %.2f |\n"
      "| make_batch (neighbour list + packing) | %.2f |\n| forward, energy only | %.2f |\n"
      "| forward, energy + forces | %.2f |\n| => force backward pass | %.2f |\n",
      1e3 * nl, 1e3 * mb, 1e3 * e_only, 1e3 * e_f, 1e3 * (e_f - e_only));

  using namespace torch::autograd::profiler;
  const int calls = 3;
  {
    TLSLegacyProfilerGuard guard(
        torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::CPU,
                                              /*report_input_shapes=*/true),
        [&](const thread_event_lists& lists) { print_op_profile(lists, ne, n, calls); });
    for (int k = 0; k < calls; ++k) model->forward(b, request(true));
  }
  print_layer_sections(b, cfg, 5);
}

}  // namespace

int main(int argc, char** argv) {
  lnet::keep_freed_memory();  // as the lnet executable: the steps measured are lnet's
  Options o;
  for (int k = 1; k < argc; ++k) {
    std::string a = argv[k];
    if (a == "--threads" && k + 1 < argc)
      o.threads = std::atoi(argv[++k]);
    else if (a == "--quick")
      o.quick = true;
    else if (a == "--no-profile")
      o.profile = false;
    else if (a == "--max-seconds" && k + 1 < argc)
      o.max_seconds = std::atof(argv[++k]);
    else if (a == "--max-atoms" && k + 1 < argc)
      o.max_atoms = std::atoll(argv[++k]);
    else if (a == "--no-training")
      o.training = false;
    else if (a == "--engine-only")
      o.engine_only = true;
    else if (a == "--no-long-range")
      o.long_range = false;
    else if (a == "--long-range-only")
      o.inference = o.training = o.profile = false;
    else {
      std::fprintf(
          stderr,
          "usage: %s [--threads N] [--quick] [--no-profile] [--no-training]\n"
          "          [--no-long-range] [--long-range-only] [--max-seconds S] [--max-atoms N]\n"
          "          [--engine-only]\n"
          "  --threads N      torch intra-op threads (default 1)\n"
          "  --quick          fewer repetitions, no 12288-atom box, no profile\n"
          "  --no-profile     skip the profile of the 1536-atom small float32 case\n"
          "  --no-training    skip the short-range (water) training-step table\n"
          "  --no-long-range  skip the long-range (NaCl, Born charges) training-step table\n"
          "  --long-range-only  only the long-range training-step table\n"
          "  --max-seconds S  skip cases predicted to take longer per step (default 60)\n"
          "  --max-atoms N    largest box for inference: 192, 1536 or 12288 (default)\n"
          "  --engine-only    only the engine's training step (no inference, no reference;\n"
          "                   for profiling it)\n",
          argv[0]);
      return a == "--help" || a == "-h" ? 0 : 2;
    }
  }
  if (o.threads < 1) o.threads = 1;
  if (o.quick) o.profile = false;
  torch::set_num_threads(o.threads);
  torch::set_num_interop_threads(1);
  // Library logs (e.g. the electrostatics parameters) go to stderr with the progress lines, so
  // that stdout stays a clean markdown report.
  spdlog::set_default_logger(spdlog::stderr_color_mt("bench_model"));
  const auto t_start = Clock::now();

  const char* blas = std::getenv("OPENBLAS_NUM_THREADS");
  if (o.engine_only) o.inference = false;
  // The water cases' description only where a water table follows (--long-range-only: none).
  const bool water = o.inference || o.training || o.profile;
  std::printf("# lnet bench_model: network A throughput and training step\n\n");
  std::printf("- machine: %s, %u logical CPUs, load average at start %s\n", cpu_model().c_str(),
              std::thread::hardware_concurrency(),
              [] {
                std::ifstream in("/proc/loadavg");
                std::string a, b, c;
                in >> a >> b >> c;
                return a + " " + b + " " + c;
              }()
                  .c_str());
  std::printf("- torch threads: %d (interop 1), OPENBLAS_NUM_THREADS=%s, libtorch %s\n",
              torch::get_num_threads(), blas ? blas : "(unset)", TORCH_VERSION);
  if (water)
    std::printf(
        "- models (network A only, no long range): small = channels 16, l_max 2, l_hidden 1, "
        "correlation 2, 2 layers, cutoff 5 Å; medium = channels 64, correlation 3, same "
        "otherwise; 8 Bessel functions, radial MLP 64 wide\n");
  if (water)
    std::printf(
        "- water: 64 random rigid H2O in a 12.415 Å cube (1.00 g/cm^3), tiled 2x2x2 and "
        "4x4x4\n");
  if (o.inference)
    std::printf(
        "- step = make_batch (neighbour list + packing) + forward with forces; "
        "median of repetitions after one warm-up\n");
  const std::string blas_lib = blas_library();
  const char* wait = std::getenv("OMP_WAIT_POLICY");
  std::printf("- BLAS: %s; OMP_WAIT_POLICY=%s\n", blas_lib.c_str(), wait ? wait : "(unset)");
  if (blas_lib.find("/blas/libblas") != std::string::npos)
    std::printf(
        "- WARNING: reference (netlib) BLAS: matrix products are ~5x slower than OpenBLAS\n");
  if (!blas || std::string(blas) != "1")
    std::printf("- WARNING: OPENBLAS_NUM_THREADS is not 1; BLAS threads may oversubscribe\n");
  std::fflush(stdout);

  const Structure cell = water_cell(1);
  const NeighborList nl0 = build_neighbor_list(cell.positions, cell.cell, cell.pbc, 5.0);
  const double avg_neighbors = static_cast<double>(nl0.size()) / cell.size();
  if (water)
    std::printf("- %zu atoms per cell, %.1f neighbours per atom within 5 Å\n", cell.size(),
                avg_neighbors);
  std::printf("\n");

  std::vector<std::pair<int, Structure>> boxes;
  if (o.inference) boxes.push_back({1, cell});
  for (int n : {2, 4})
    if (64 * 3 * n * n * n <= o.max_atoms && !(o.quick && n == 4) && o.inference)
      boxes.push_back({n, tile(cell, n)});

  // Inference table.
  std::vector<InferenceResult> results;
  results.reserve(64);  // `prev` points into it
  for (const ModelSize& size : {kSmall, kMedium}) {
    Potential m = make_model(model_config(size, "float64", avg_neighbors));
    const int64_t params = parameter_count(m);
    for (const std::string dtype : {"float32", "float64"}) {
      const InferenceResult* prev = nullptr;
      for (const auto& [n, s] : boxes) {
        InferenceResult r;
        if (prev) {
          const double ratio = static_cast<double>(s.size()) / prev->atoms;
          const double t_pred = prev->total * ratio, mem_pred = prev->rss_mb * ratio;
          if (t_pred > o.max_seconds)
            r.skipped = "predicted " + fmtd("%.0f", t_pred) + " s per step > " +
                        fmtd("%.0f", o.max_seconds) + " s";
          else if (mem_pred > 0.8 * available_mb())
            r.skipped = "predicted " + fmtd("%.0f", mem_pred) + " MB > 80% of the " +
                        fmtd("%.0f", available_mb()) + " MB available";
        }
        if (r.skipped.empty()) {
          try {
            r = run_inference(s, size, dtype, avg_neighbors, o);
          } catch (const std::exception& e) {
            r.skipped = std::string("failed: ") + e.what();
          }
        }
        r.model = size.name + " (" + std::to_string(params) + " params)";
        r.dtype = dtype;
        r.atoms = static_cast<int64_t>(s.size());
        results.push_back(r);
        prev = r.skipped.empty() ? &results.back() : nullptr;
        std::fprintf(stderr, "[bench_model] %lld atoms %s %s: %s (%.0f s elapsed)\n",
                     static_cast<long long>(r.atoms), size.name.c_str(), dtype.c_str(),
                     r.skipped.empty() ? fmtd("%.4f s/step", r.total).c_str() : r.skipped.c_str(),
                     since(t_start));
        if (!prev) break;  // larger boxes would be skipped too
      }
    }
  }

  if (o.inference) {
    std::printf("## Inference: energy + forces\n\n");
    std::printf(
        "| atoms | model | dtype | edges | reps | nlist ms | make_batch ms | forward+forces ms "
        "| step ms | atom-steps/s | atom-steps/s (model only) | peak RSS MB |\n"
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const auto& r : results) {
      if (!r.skipped.empty()) {
        std::printf("| %lld | %s | %s | | | | | | | skipped: %s | | |\n",
                    static_cast<long long>(r.atoms), r.model.c_str(), r.dtype.c_str(),
                    r.skipped.c_str());
        continue;
      }
      std::printf(
          "| %lld | %s | %s | %lld | %d | %.1f | %.1f | %.1f | %.1f | %.0f | %.0f | %.0f |\n",
          static_cast<long long>(r.atoms), r.model.c_str(), r.dtype.c_str(),
          static_cast<long long>(r.edges), r.reps, 1e3 * r.nlist, 1e3 * r.batch, 1e3 * r.model_s,
          1e3 * r.total, r.atoms / r.total, r.atoms / r.model_s, r.rss_mb);
    }
    // Ratios against the float64 baseline of the same run.
    std::printf("\nfloat32 speed-up over float64 (step time ratio, same run): ");
    bool first = true;
    for (const auto& r32 : results)
      for (const auto& r64 : results)
        if (r32.dtype == "float32" && r64.dtype == "float64" && r32.model == r64.model &&
            r32.atoms == r64.atoms && r32.skipped.empty() && r64.skipped.empty()) {
          std::printf("%s%s %lld: %.2fx", first ? "" : "; ",
                      r32.model.substr(0, r32.model.find(' ')).c_str(),
                      static_cast<long long>(r32.atoms), r64.total / r32.total);
          first = false;
        }
    std::printf("\n");
    std::fflush(stdout);
  }

  if (o.training) {
    std::printf(
        "\n## Training step: 4 x 192 atoms, float64, loss (energy + forces) and its weight "
        "gradient + AdamW\n\n"
        "reference: forward + forces (create_graph) + backward through torch autograd; engine: "
        "the CPU inference engine's exact gradients (training.engine: engine).\n\n");
    print_training_table(water_training_cases(avg_neighbors), o, t_start);
  }
  if (o.long_range) {
    std::printf(
        "\n## Training step, long range: 4 x 64-atom NaCl, float64, loss (energy 1, forces 10, "
        "stress 1, Born charges 1) and its weight gradient + AdamW\n\n"
        "model of examples/nacl/train.yaml: network A cutoff 5 Å, channels 16, l_max 2, l_hidden "
        "1, correlation 3, 2 layers; network B cutoff 4 Å, channels 8, correlation 2, 2 layers; "
        "charges Na +1, Cl -1 (fixed, or corrected by network B: learned), sigma 1 Å, epsilon_s "
        "2.4, Ewald at accuracy 1e-5. Cells: 2x2x2 conventional, a = 5.64 Å, Gaussian "
        "displacements of 0.1 Å per coordinate; zero labels. reference: forward with forces, "
        "stress and Born charges (create_graph) + backward through torch autograd; engine: "
        "engine_loss.\n\n");
    print_training_table(nacl_training_cases(), o, t_start);
  }
  if (o.profile) run_profile(tile(cell, 2), avg_neighbors);
  std::printf("\nTotal wall time %.0f s.\n", since(t_start));
  return 0;
}
