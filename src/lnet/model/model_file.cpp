#include "lnet/model/model_file.hpp"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "lnet/core/error.hpp"
#include "lnet/util/atomic_file.hpp"

namespace lnet {

namespace {

const char* kMagic = "LNET-MODEL";

uint64_t fnv1a(const char* data, std::size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (std::size_t i = 0; i < n; ++i)
    h = (h ^ static_cast<unsigned char>(data[i])) * 1099511628211ull;
  return h;
}

// Parameters and buffers, in registration order, with unique dotted names.
std::vector<std::pair<std::string, torch::Tensor>> named_state(const torch::nn::Module& m) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : m.named_parameters(true)) out.emplace_back(p.key(), p.value());
  for (const auto& b : m.named_buffers(true)) out.emplace_back(b.key(), b.value());
  return out;
}

nlohmann::json units_json() { return {{"energy", "eV"}, {"length", "Angstrom"}, {"charge", "e"}}; }

// The header checksum covers the header as written without its own field; nlohmann's dump
// is canonical (sorted keys, round-trip number formatting), so parse + dump reproduces it.
uint64_t header_hash(const nlohmann::json& header) {
  const std::string text = header.dump();
  return fnv1a(text.data(), text.size());
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
                           {"units", units_json()},
                           {"config", model->config()},
                           {"tensors", tensors},
                           {"blob_bytes", blob.size()},
                           {"checksum", fnv1a(blob.data(), blob.size())}};
  header["header_checksum"] = header_hash(header);
  return std::string(kMagic) + "\n" + header.dump() + "\n" + blob;
}

void save_model(Potential& model, const std::string& path) {
  write_file_atomic(path, model_to_bytes(model));
}

namespace {

// Reads model files, checking every header field before it is used: nothing is
// allocated or read from the blob on the header's word alone.
class ModelReader {
 public:
  ModelReader(const std::string& bytes, std::string name) : bytes_(bytes), name_(std::move(name)) {}
  Potential read();

 private:
  InputError fail(const std::string& what) const { return InputError(name_, what); }
  void parse_header();
  void check_header_checksum();
  void check_blob();
  ModelConfig read_config() const;
  void check_tensor_table();
  void copy_tensors(Potential& model) const;

  // Field `key` of `j` as T; InputError naming `field` if missing or of another type.
  template <class T>
  T get(const nlohmann::json& j, const char* key, const std::string& field) const {
    if (!j.is_object() || !j.contains(key)) throw fail(field + ": missing");
    try {
      return j.at(key).get<T>();
    } catch (const nlohmann::json::exception&) {
      throw fail(field + ": wrong type (" + j.at(key).dump().substr(0, 40) + ")");
    }
  }

  struct Entry {
    std::string name;
    std::vector<int64_t> shape;
    std::size_t offset = 0, bytes = 0;
  };
  const std::string& bytes_;
  std::string name_;
  nlohmann::json header_;
  std::size_t start_ = 0, size_ = 0;
  std::vector<Entry> entries_;
};

void ModelReader::parse_header() {
  const std::size_t l1 = bytes_.find('\n');
  if (l1 == std::string::npos || bytes_.compare(0, l1, kMagic) != 0)
    throw fail("not an lnet model file (missing the LNET-MODEL header)");
  const std::size_t l2 = bytes_.find('\n', l1 + 1);
  if (l2 == std::string::npos) throw fail("truncated model file (no header line)");
  try {
    header_ = nlohmann::json::parse(bytes_.substr(l1 + 1, l2 - l1 - 1));
  } catch (const std::exception& e) {
    throw fail(std::string("corrupt model header: ") + e.what());
  }
  if (!header_.is_object()) throw fail("corrupt model header: not a JSON object");
  const int version = get<int>(header_, "format_version", "format_version");
  if (version != kModelFormatVersion)
    throw fail("model format version " + std::to_string(version) +
               ", but this lnet reads version " + std::to_string(kModelFormatVersion));
  start_ = l2 + 1;
}

// Files written before the header checksum existed (same format version) have none; their
// header is still checked field by field below.
void ModelReader::check_header_checksum() {
  if (!header_.contains("header_checksum")) return;
  const auto stored = get<uint64_t>(header_, "header_checksum", "header_checksum");
  nlohmann::json rest = header_;
  rest.erase("header_checksum");
  if (header_hash(rest) != stored)
    throw fail("corrupt model file (header checksum mismatch: a header field was changed)");
}

void ModelReader::check_blob() {
  size_ = get<std::size_t>(header_, "blob_bytes", "blob_bytes");
  if (bytes_.size() - start_ != size_)
    throw fail("truncated or padded model file: " + std::to_string(bytes_.size() - start_) +
               " weight bytes, header says " + std::to_string(size_) + " (blob_bytes)");
  if (fnv1a(bytes_.data() + start_, size_) != get<uint64_t>(header_, "checksum", "checksum"))
    throw fail("corrupt model file (weights checksum mismatch)");
  if (get<nlohmann::json>(header_, "units", "units") != units_json())
    throw fail("units: expected " + units_json().dump() + ", got " + header_["units"].dump());
}

ModelConfig ModelReader::read_config() const {
  ModelConfig config;
  try {
    config = get<nlohmann::json>(header_, "config", "config").get<ModelConfig>();
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw fail(std::string("config: bad model configuration: ") + e.what());
  }
  validate(config, name_, "config.");
  if (config.species.empty()) throw fail("config.species: empty");
  return config;
}

// Shapes non-negative, sizes without overflow, every tensor inside the blob, no two
// overlapping and together covering it exactly.
void ModelReader::check_tensor_table() {
  const auto table = get<nlohmann::json>(header_, "tensors", "tensors");
  if (!table.is_array()) throw fail("tensors: not an array");
  const std::size_t max_values = size_ / sizeof(double);
  for (std::size_t k = 0; k < table.size(); ++k) {
    const std::string field = "tensors[" + std::to_string(k) + "]";
    Entry e;
    e.name = get<std::string>(table[k], "name", field + ".name");
    e.shape = get<std::vector<int64_t>>(table[k], "shape", field + ".shape");
    e.offset = get<std::size_t>(table[k], "offset", field + ".offset");
    std::size_t n = 1;
    for (int64_t d : e.shape) {
      if (d < 0 || static_cast<std::size_t>(d) > max_values ||
          (d > 0 && n > max_values / static_cast<std::size_t>(d)))
        throw fail(field + ".shape: " + table[k]["shape"].dump() + " does not fit in " +
                   std::to_string(size_) + " weight bytes (" + e.name + ")");
      n *= static_cast<std::size_t>(d);
    }
    e.bytes = n * sizeof(double);
    if (e.offset % sizeof(double) != 0 || e.offset > size_ || e.bytes > size_ - e.offset)
      throw fail(field + ".offset: " + std::to_string(e.offset) + " + " + std::to_string(e.bytes) +
                 " bytes lies outside the " + std::to_string(size_) + " weight bytes (" + e.name +
                 ")");
    entries_.push_back(e);
  }
  std::vector<const Entry*> order;
  for (const Entry& e : entries_) order.push_back(&e);
  std::sort(order.begin(), order.end(),
            [](const Entry* a, const Entry* b) { return a->offset < b->offset; });
  std::size_t end = 0;
  for (const Entry* e : order) {
    if (e->offset < end) throw fail("tensors: " + e->name + " overlaps the tensor before it");
    end = e->offset + e->bytes;
  }
  std::size_t total = 0;
  for (const Entry& e : entries_) total += e.bytes;
  if (total != size_)
    throw fail("tensors: shapes add up to " + std::to_string(total) + " bytes, blob_bytes is " +
               std::to_string(size_));
}

void ModelReader::copy_tensors(Potential& model) const {
  torch::NoGradGuard no_grad;
  auto state = named_state(*model);
  if (entries_.size() != state.size())
    throw fail("tensors: " + std::to_string(entries_.size()) + " tensors, the architecture needs " +
               std::to_string(state.size()));
  for (std::size_t k = 0; k < state.size(); ++k) {
    auto& [tname, t] = state[k];
    const Entry& e = entries_[k];
    if (e.name != tname || e.shape != t.sizes().vec())
      throw fail("tensors[" + std::to_string(k) + "]: " + e.name +
                 " does not match the architecture (expected " + tname + ")");
    auto v = torch::empty(e.shape, torch::kFloat64);
    std::memcpy(v.data_ptr<double>(), bytes_.data() + start_ + e.offset, e.bytes);
    if (!torch::isfinite(v).all().item<bool>())
      throw fail("tensors[" + std::to_string(k) + "]: " + e.name + " has non-finite values");
    t.copy_(v.to(t.scalar_type()));
  }
}

Potential ModelReader::read() {
  parse_header();
  check_header_checksum();
  check_blob();
  ModelConfig config = read_config();
  check_tensor_table();
  Potential model(config);
  copy_tensors(model);
  return model;
}

}  // namespace

Potential model_from_bytes(const std::string& bytes, const std::string& name) {
  return ModelReader(bytes, name).read();
}

Potential load_model(const std::string& path) { return model_from_bytes(read_file(path), path); }

void copy_weights(torch::nn::Module& to, const torch::nn::Module& from) {
  torch::NoGradGuard no_grad;
  auto a = named_state(to), b = named_state(from);
  if (a.size() != b.size()) throw Error("copy_weights: architectures differ");
  for (std::size_t k = 0; k < a.size(); ++k) a[k].second.copy_(b[k].second);
}

}  // namespace lnet
