#include "lnet/model/model_file.hpp"

#include <cstring>
#include <nlohmann/json.hpp>

#include "lnet/core/error.hpp"
#include "lnet/util/atomic_file.hpp"

namespace lnet {

namespace {

const char* kMagic = "LNET-MODEL";

uint64_t fnv1a(const char* data, std::size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(data[i])) * 1099511628211ull;
  return h;
}

// Parameters and buffers, in registration order, with unique dotted names.
std::vector<std::pair<std::string, torch::Tensor>> named_state(const torch::nn::Module& m) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : m.named_parameters(true)) out.emplace_back(p.key(), p.value());
  for (const auto& b : m.named_buffers(true)) out.emplace_back(b.key(), b.value());
  return out;
}

}  // namespace

std::string model_to_bytes(Potential& model) {
  nlohmann::json tensors = nlohmann::json::array();
  std::string blob;
  for (const auto& [name, t] : named_state(*model)) {
    auto v = t.detach().to(torch::kFloat64).contiguous();
    tensors.push_back({{"name", name}, {"shape", v.sizes().vec()}, {"offset", blob.size()}});
    blob.append(reinterpret_cast<const char*>(v.data_ptr<double>()), v.numel() * sizeof(double));
  }
  nlohmann::json header = {{"format_version", kModelFormatVersion},
                           {"program", "lnet"},
                           {"units", {{"energy", "eV"}, {"length", "Angstrom"}, {"charge", "e"}}},
                           {"config", model->config()},
                           {"tensors", tensors},
                           {"blob_bytes", blob.size()},
                           {"checksum", fnv1a(blob.data(), blob.size())}};
  return std::string(kMagic) + "\n" + header.dump() + "\n" + blob;
}

void save_model(Potential& model, const std::string& path) {
  write_file_atomic(path, model_to_bytes(model));
}

Potential model_from_bytes(const std::string& bytes, const std::string& name) {
  auto fail = [&](const std::string& what) { return InputError(name, what); };
  const std::size_t l1 = bytes.find('\n');
  if (l1 == std::string::npos || bytes.compare(0, l1, kMagic) != 0)
    throw fail("not an lnet model file (missing the LNET-MODEL header)");
  const std::size_t l2 = bytes.find('\n', l1 + 1);
  if (l2 == std::string::npos) throw fail("truncated model file (no header line)");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.substr(l1 + 1, l2 - l1 - 1));
  } catch (const std::exception& e) {
    throw fail(std::string("corrupt model header: ") + e.what());
  }
  const int version = header.value("format_version", -1);
  if (version != kModelFormatVersion)
    throw fail("model format version " + std::to_string(version) + ", but this lnet reads version " +
               std::to_string(kModelFormatVersion));
  const std::size_t start = l2 + 1, size = header.at("blob_bytes").get<std::size_t>();
  if (bytes.size() - start != size)
    throw fail("truncated or padded model file: " + std::to_string(bytes.size() - start) +
               " weight bytes, header says " + std::to_string(size));
  if (fnv1a(bytes.data() + start, size) != header.at("checksum").get<uint64_t>())
    throw fail("corrupt model file (weights checksum mismatch)");
  ModelConfig config;
  try {
    config = header.at("config").get<ModelConfig>();
  } catch (const std::exception& e) {
    throw fail(std::string("bad model configuration: ") + e.what());
  }
  Potential model(config);
  torch::NoGradGuard no_grad;
  auto state = named_state(*model);
  const auto& tensors = header.at("tensors");
  if (tensors.size() != state.size())
    throw fail("has " + std::to_string(tensors.size()) + " tensors, the architecture needs " +
               std::to_string(state.size()));
  for (std::size_t k = 0; k < state.size(); ++k) {
    auto& [tname, t] = state[k];
    const auto& entry = tensors[k];
    auto shape = entry.at("shape").get<std::vector<int64_t>>();
    if (entry.at("name") != tname || shape != t.sizes().vec())
      throw fail("tensor " + entry.at("name").get<std::string>() + " does not match the architecture");
    auto v = torch::empty(shape, torch::kFloat64);
    std::memcpy(v.data_ptr<double>(), bytes.data() + start + entry.at("offset").get<std::size_t>(),
                v.numel() * sizeof(double));
    t.copy_(v.to(t.scalar_type()));
  }
  return model;
}

Potential load_model(const std::string& path) { return model_from_bytes(read_file(path), path); }

void copy_weights(torch::nn::Module& to, const torch::nn::Module& from) {
  torch::NoGradGuard no_grad;
  auto a = named_state(to), b = named_state(from);
  if (a.size() != b.size()) throw Error("copy_weights: architectures differ");
  for (std::size_t k = 0; k < a.size(); ++k) a[k].second.copy_(b[k].second);
}

}  // namespace lnet
