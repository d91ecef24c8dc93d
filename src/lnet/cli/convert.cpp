// `lnet convert`: DFT outputs -> extended XYZ (DESIGN.md §3).
//   lnet convert --pw scf.out [--ph ph.out] -o out.xyz
//   lnet convert --born BORN --structure in.xyz -o out.xyz
#include <spdlog/spdlog.h>

#include <memory>

#include "lnet/cli/commands.hpp"
#include "lnet/core/error.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/io/phonopy_born.hpp"
#include "lnet/io/qe_ph.hpp"
#include "lnet/io/qe_pw.hpp"
#include "lnet/util/output_guard.hpp"

namespace lnet::cli {
namespace {

struct ConvertArgs {
  std::string pw, ph, born, structure, output;
  bool allow_incomplete = false;
  bool force = false;
};

std::vector<Structure> from_quantum_espresso(const ConvertArgs& a) {
  PwReadOptions options;
  options.allow_incomplete = a.allow_incomplete;
  std::vector<Structure> frames = read_qe_pw(a.pw, options);
  spdlog::info("{}: {} frame(s)", a.pw, frames.size());
  if (!a.ph.empty()) {
    QePhResult ph = read_qe_ph(a.ph);
    std::size_t n = merge_qe_ph(frames, ph, a.ph);
    spdlog::info("{}: Z* and eps_inf set on {} frame(s); acoustic sum rule violation {:.3g} e",
                 a.ph, n, acoustic_sum_rule_violation(ph.bec));
  }
  return frames;
}

std::vector<Structure> with_born(const ConvertArgs& a) {
  PhonopyBorn born = read_phonopy_born(a.born);
  std::vector<Structure> frames = read_extxyz(a.structure);
  for (std::size_t f = 0; f < frames.size(); ++f)
    apply_phonopy_born(frames[f], born,
                       a.born + " applied to " + a.structure + " frame " + std::to_string(f + 1));
  spdlog::info("{}: Z* and eps_inf set on {} frame(s) of {}; acoustic sum rule violation {:.3g} e",
               a.born, frames.size(), a.structure, acoustic_sum_rule_violation(born.z));
  return frames;
}

}  // namespace

Action add_convert(CLI::App& app) {
  auto args = std::make_shared<ConvertArgs>();
  CLI::App* sub = app.add_subcommand(
      "convert", "Convert DFT outputs (Quantum ESPRESSO pw.x/ph.x, phonopy BORN) to extended XYZ");
  auto* pw = sub->add_option("--pw", args->pw, "pw.x output (scf, relax, vc-relax, md)")
                 ->check(CLI::ExistingFile);
  sub->add_option("--ph", args->ph, "ph.x output with epsil=.true.: Z* and eps_inf for --pw")
      ->check(CLI::ExistingFile)
      ->needs(pw);
  sub->add_flag("--allow-incomplete", args->allow_incomplete,
                "keep the complete frames of a pw.x run that stopped before JOB DONE")
      ->needs(pw);
  auto* structure =
      sub->add_option("--structure", args->structure, "extended XYZ to which --born is applied")
          ->check(CLI::ExistingFile)
          ->excludes(pw);
  sub->add_option("--born", args->born, "phonopy BORN file with one Z* line per atom")
      ->check(CLI::ExistingFile)
      ->needs(structure);
  structure->needs(sub->get_option("--born"));
  sub->add_option("-o,--output", args->output, "extended XYZ to write")->required();
  sub->add_flag("--force", args->force, "replace an existing output file");
  return [args] {
    if (args->pw.empty() && args->structure.empty())
      throw InputError("lnet convert", "give --pw (with optional --ph) or --born with --structure");
    std::vector<std::string> inputs;
    for (const std::string* in : {&args->pw, &args->ph, &args->born, &args->structure})
      if (!in->empty()) inputs.push_back(*in);
    OutputGuard{inputs, "-o/--output", "--force", args->force}.check(args->output);
    std::vector<Structure> frames =
        args->pw.empty() ? with_born(*args) : from_quantum_espresso(*args);
    write_extxyz(args->output, frames);
    spdlog::info("wrote {} frame(s) to {}", frames.size(), args->output);
  };
}

}  // namespace lnet::cli
