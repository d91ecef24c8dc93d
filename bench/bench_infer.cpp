// Throughput of the inference engine (src/lnet/infer) against the reference autograd
// path, both through lnet::Calculator (same Verlet list, same everything but the engine), on
// liquid-water boxes: atom-steps/s and their ratio, float32 and float64 (CONVENTIONS.md,
// Benchmarks).
//
//   OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE build-infer/bench/bench_infer
//       [--threads N] [--sizes 192,1536] [--seconds S] [--model small|medium] [--long-range]
//       [--table INTERVALS] [--table-only]
//
// One step = Calculator::evaluate with forces (neighbour list reused: atoms do not move).
// Reported: median seconds per step over repetitions (at least 3, until --seconds) after one
// warm-up call.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "lnet/model/calculator.hpp"
#include "lnet/model/model_file.hpp"
#include "lnet/model/potential.hpp"
#include "lnet/model/threads.hpp"
#include "water_box.hpp"

namespace {

using namespace lnet;
using Clock = std::chrono::steady_clock;

using bench::tile;
using bench::water_cell;

// small: channels 16, correlation 2; medium: channels 64, correlation 3 (bench_model.cpp);
// l_max 2, l_hidden 1, 2 layers, cutoff 5 Å, radial MLP 64 wide. Long range: network B of the
// default shape with learned charges and Ewald/PME at 1e-5.
ModelConfig config_for(const std::string& size, bool long_range) {
  ModelConfig c;
  c.species = {1, 8};
  const int channels = size == "medium" ? 64 : 16, correlation = size == "medium" ? 3 : 2;
  c.network_a = {5.0, 8, 5, 2, 1, channels, correlation, 2, 64};
  c.e0 = {0.0, 0.0};
  c.avg_neighbors_a = 40;
  c.long_range = long_range;
  c.learn_charges = long_range;
  c.charges = {{1, 0.4}, {8, -0.8}};
  c.sigma = {{1, 0.5}, {8, 0.8}};
  c.avg_neighbors_b = 20;
  return c;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double seconds_per_step(Calculator& calc, const Structure& s, double budget) {
  EvalRequest req;
  calc.evaluate(s, Vec3::Zero(), req);  // warm-up: neighbour list, parameters, allocations
  std::vector<double> t;
  const auto start = Clock::now();
  while (t.size() < 3 || std::chrono::duration<double>(Clock::now() - start).count() < budget) {
    const auto t0 = Clock::now();
    calc.evaluate(s, Vec3::Zero(), req);
    t.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    if (t.size() >= 50) break;
  }
  return median(t);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1, table = 4096;
  double budget = 3.0;
  std::string size = "small";
  bool long_range = false, table_only = false;
  std::vector<int> sizes = {192, 1536};
  for (int k = 1; k < argc; ++k) {
    const std::string a = argv[k];
    if (a == "--threads" && k + 1 < argc)
      threads = std::atoi(argv[++k]);
    else if (a == "--seconds" && k + 1 < argc)
      budget = std::atof(argv[++k]);
    else if (a == "--model" && k + 1 < argc)
      size = argv[++k];
    else if (a == "--table" && k + 1 < argc)
      table = std::atoi(argv[++k]);
    else if (a == "--long-range")
      long_range = true;
    else if (a == "--table-only")  // the default engine only (e.g. under a profiler)
      table_only = true;
    else if (a == "--sizes" && k + 1 < argc) {
      sizes.clear();
      std::string list = argv[++k];
      for (std::size_t p = 0; p < list.size();) {
        const std::size_t q = std::min(list.find(',', p), list.size());
        sizes.push_back(std::atoi(list.substr(p, q - p).c_str()));
        p = q + 1;
      }
    } else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  set_torch_threads(threads);  // libtorch and the engine share libgomp: both use `threads`
  torch::manual_seed(1);
  Potential model(config_for(size, long_range));
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("lnet_bench_infer_" + std::to_string(::getpid()) + ".lnet"))
                               .string();
  save_model(model, path);
  std::printf("# Inference engine vs reference (%s model%s), %d thread(s)\n\n", size.c_str(),
              long_range ? ", long range" : "", threads);
  std::printf(
      "| atoms | dtype | reference atom-steps/s | engine (exact) | ratio | engine (table %d) | "
      "ratio |\n",
      table);
  std::printf("|---:|---|---:|---:|---:|---:|---:|\n");
  const Structure cell = water_cell(7);
  for (int n : sizes) {
    int reps = 1;
    while (192 * reps * reps * reps < n) ++reps;
    const Structure s = tile(cell, reps);
    for (const std::string dtype : {"float32", "float64"}) {
      double rate[3] = {NAN, NAN, NAN};
      for (int e = table_only ? 2 : 0; e < 3; ++e) {
        CalculatorOptions o;
        o.dtype = dtype;
        o.engine = e == 0 ? "reference" : "fast";
        o.radial_table = e == 2 ? table : 0;
        Calculator calc(path, o);
        rate[e] = static_cast<double>(s.size()) / seconds_per_step(calc, s, budget);
      }
      std::printf("| %zu | %s | %.0f | %.0f | %.2f | %.0f | %.2f |\n", s.size(), dtype.c_str(),
                  rate[0], rate[1], rate[1] / rate[0], rate[2], rate[2] / rate[0]);
      std::fflush(stdout);
    }
  }
  std::filesystem::remove(path);
  return 0;
}
