// `lnet learn`: active learning. Iteration k (folder <output.dir>/iter_<kkk>/):
//   data      train.xyz = iteration k-1's train.xyz + its labelled.xyz (k = 0: the starting data)
//   train     a committee into models/member_j (lnet::train, seeds seed + j)
//   explore   explore.xyz: MD snapshots with the committee spread (learn_force_std)
//   select    selected.xyz: spread in [lower, upper), de-duplicated, at most max_frames
//   label     labels/frame_<jjj>/ (the driver's files, labelled.xyz), then labelled.xyz
//   report    a row of progress.jsonl and learning_curve.png: the committee's errors on the new
//             frames before training on them, and on test_data
// The run stops when nothing is selected or a budget is spent; its final committee is that of
// the last iteration folder, trained on everything labelled. state.json records the finished
// stages: a killed run resumes (--resume) at the stage it was in, and a frame whose
// labelled.xyz exists is never labelled again.
#pragma once
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "lnet/learn/learn_config.hpp"

namespace lnet {

struct LearnOptions {
  bool resume = false;             // continue the run in output.dir
  bool force = false;              // remove an earlier run's iteration folders and state first
  std::ostream* report = nullptr;  // one summary line per iteration; nullptr: none
  // Testing aids, as if the run were killed: return after this stage of this iteration
  // ("train", "explore", "select", "label"), or after this many labels in this call.
  int stop_iteration = -1;
  std::string stop_after_stage;
  long stop_after_labels = -1;
};

struct LearnResult {
  int iterations = 0;  // iteration folders
  long dft_calls = 0;  // over the whole run, earlier calls included
  double dft_seconds = 0;
  std::vector<std::string> models;   // the final committee
  std::string stop_reason;           // empty when stopped by a testing aid
  std::vector<nlohmann::json> rows;  // progress.jsonl
};

LearnResult run_learn(const LearnConfig& config, const LearnOptions& options = {});

}  // namespace lnet
