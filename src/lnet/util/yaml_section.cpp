#include "lnet/util/yaml_section.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <type_traits>
#include <utility>

#include "lnet/core/error.hpp"
#include "lnet/core/text.hpp"
#include "lnet/util/atomic_file.hpp"
#include "lnet/util/spelling.hpp"

namespace lnet {
namespace {

// Where a value sits, for messages: "file:line" and the dotted key ("model.widths[2]").
struct Ctx {
  std::string file;
  std::string location;
  std::string key;
};

std::string describe(const YAML::Node& value) {
  switch (value.Type()) {
    case YAML::NodeType::Null:
      return "no value";
    case YAML::NodeType::Scalar:
      return "'" + value.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "nothing";
  }
}

[[noreturn]] void type_error(const Ctx& ctx, const YAML::Node& value, const std::string& expected) {
  throw InputError(ctx.location, ctx.key + ": expected " + expected + ", got " + describe(value));
}

std::string mark_location(const std::string& file, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) return file;
  return file + ":" + std::to_string(mark.line + 1);
}

// Scalars go through yaml-cpp's own converters (they know YAML spellings such as .inf,
// 0x1f, yes/no) but via decode(), which reports failure instead of throwing a message
// without context.
template <class T>
T decode_scalar(const YAML::Node& value, const Ctx& ctx, const char* expected) {
  T out{};
  if (!value.IsScalar() || !YAML::convert<T>::decode(value, out)) type_error(ctx, value, expected);
  return out;
}

template <class T>
struct Decoder;

template <>
struct Decoder<int> {
  static constexpr const char* expected = "an integer";
  static int decode(const YAML::Node& v, const Ctx& c) {
    return decode_scalar<int>(v, c, expected);
  }
};
template <>
struct Decoder<long> {
  static constexpr const char* expected = "an integer";
  static long decode(const YAML::Node& v, const Ctx& c) {
    return decode_scalar<long>(v, c, expected);
  }
};
template <>
struct Decoder<double> {
  static constexpr const char* expected = "a number";
  static double decode(const YAML::Node& v, const Ctx& c) {
    return decode_scalar<double>(v, c, expected);
  }
};
template <>
struct Decoder<bool> {
  static constexpr const char* expected = "true or false";
  static bool decode(const YAML::Node& v, const Ctx& c) {
    return decode_scalar<bool>(v, c, expected);
  }
};
template <>
struct Decoder<std::string> {
  static constexpr const char* expected = "a string";
  static std::string decode(const YAML::Node& v, const Ctx& c) {
    if (!v.IsScalar()) type_error(c, v, expected);
    return v.Scalar();
  }
};

template <class E>
struct Decoder<std::vector<E>> {
  static std::string expected() { return std::string("a list of ") + plural(); }
  static const char* plural() {
    if constexpr (std::is_same_v<E, int>) return "integers";
    if constexpr (std::is_same_v<E, double>) return "numbers";
    return "strings";
  }
  static std::vector<E> decode(const YAML::Node& v, const Ctx& c) {
    if (!v.IsSequence()) type_error(c, v, expected());
    std::vector<E> out;
    out.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      const YAML::Node element = v[i];
      // Elements carry their own line: long lists span several.
      const Ctx element_ctx{c.file, mark_location(c.file, element),
                            c.key + "[" + std::to_string(i) + "]"};
      out.push_back(Decoder<E>::decode(element, element_ctx));
    }
    return out;
  }
};

template <>
struct Decoder<std::map<std::string, double>> {
  static std::map<std::string, double> decode(const YAML::Node& v, const Ctx& c) {
    if (!v.IsMap()) type_error(c, v, "a mapping of names to numbers (e.g. {Na: 1, Cl: -1})");
    std::map<std::string, double> out;
    for (const auto& kv : v) {
      if (!kv.first.IsScalar()) type_error(c, kv.first, "a name as key");
      const std::string name = kv.first.Scalar();
      const Ctx entry_ctx{c.file, mark_location(c.file, kv.second), c.key + "." + name};
      if (out.count(name)) throw InputError(entry_ctx.location, entry_ctx.key + ": given twice");
      out[name] = Decoder<double>::decode(kv.second, entry_ctx);
    }
    return out;
  }
};

}  // namespace

std::string resolve_relative(const std::string& base_dir, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

InputError YamlSection::error(const std::string& key, const std::string& what) const {
  return InputError(where(), (path().empty() ? key : path() + "." + key) + ": " + what);
}

YamlSection YamlSection::load_string(const std::string& text, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw InputError(
        file + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1),
        "YAML syntax error: " + e.msg);
  } catch (const YAML::Exception& e) {
    throw InputError(file, std::string("cannot parse YAML: ") + e.what());
  }
  if (!root.IsNull() && !root.IsMap()) {
    throw InputError(mark_location(file, root),
                     "the top level must be a mapping of keys to values, got " + describe(root));
  }
  return YamlSection(root, file, "", -1);
}

YamlSection YamlSection::load_file(const std::string& path) {
  return load_string(read_file(path), path);
}

YamlSection::YamlSection(YAML::Node node, std::string where)
    : YamlSection(std::move(node), std::move(where), "", -1) {}

YamlSection::YamlSection(YAML::Node node, std::string file, std::string path, int header_line)
    : node_(std::move(node)),
      file_(std::move(file)),
      path_(std::move(path)),
      header_line_(header_line) {
  where_ = path_.empty() ? file_ : file_ + ": " + path_;
  if (!node_.IsDefined() || node_.IsNull()) {
    node_ = YAML::Node(YAML::NodeType::Map);
  } else if (!node_.IsMap()) {
    throw InputError(header_line_ >= 0 ? header_location() : location(node_),
                     (path_.empty() ? std::string("section") : path_) +
                         ": expected a mapping of keys to values, got " + describe(node_));
  }
}

std::string YamlSection::key_path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

std::string YamlSection::location(const YAML::Node& node) const {
  return mark_location(file_, node);
}

bool YamlSection::has(const std::string& key) const {
  const YAML::Node& self = node_;  // const operator[]: looking a key up must not insert it
  return self[key].IsDefined();
}

template <class T>
T YamlSection::get(const std::string& key, const T& fallback) const {
  if (!has(key)) return fallback;
  return required<T>(key);
}

template <class T>
T YamlSection::required(const std::string& key) const {
  const YAML::Node key_node = find_key(key);
  if (!key_node.IsDefined()) {
    throw InputError(header_location(), "missing required key '" + key_path(key) + "'");
  }
  const YAML::Node& self = node_;
  // The key's line, not the value's: yaml-cpp marks an empty value at the next token, and
  // the key is what the user looks for.
  return Decoder<T>::decode(self[key], Ctx{file_, location(key_node), key_path(key)});
}

YamlSection YamlSection::section(const std::string& key) const {
  const YAML::Node& self = node_;
  const YAML::Node value = self[key];
  const YAML::Node key_node = find_key(key);
  const int line = key_node.IsDefined() ? key_node.Mark().line : -1;
  if (!value.IsDefined() || value.IsNull()) {
    return YamlSection(YAML::Node(YAML::NodeType::Map), file_, key_path(key), line);
  }
  return YamlSection(value, file_, key_path(key), line);
}

YAML::Node YamlSection::find_key(const std::string& key) const {
  for (const auto& kv : node_) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.first;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

std::string YamlSection::header_location() const {
  return header_line_ >= 0 ? file_ + ":" + std::to_string(header_line_ + 1) : file_;
}

std::vector<std::string> YamlSection::keys() const {
  std::vector<std::string> out;
  for (const auto& kv : node_) out.push_back(kv.first.IsScalar() ? kv.first.Scalar() : "?");
  return out;
}

void YamlSection::check_keys(const std::vector<std::string>& allowed) const {
  const std::string in = path_.empty() ? "at the top level" : "in '" + path_ + "'";
  std::set<std::string> seen;
  for (const auto& kv : node_) {
    if (!kv.first.IsScalar()) {
      throw InputError(location(kv.first), "keys " + in + " must be plain names");
    }
    const std::string key = kv.first.Scalar();
    if (!seen.insert(key).second) {
      throw InputError(location(kv.first), "key '" + key_path(key) + "' is given twice");
    }
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string message = "unknown key '" + key_path(key) + "'";
    const std::string best = closest_match(key, allowed);  // close misspellings only
    if (!best.empty()) message += " (did you mean '" + best + "'?)";
    std::vector<std::string> sorted = allowed;
    std::sort(sorted.begin(), sorted.end());
    message += "; allowed keys " + in + ": " + join(sorted);
    throw InputError(location(kv.first), message);
  }
}

#define LNET_YAML_SECTION_INSTANTIATE(T)                              \
  template T YamlSection::get<T>(const std::string&, const T&) const; \
  template T YamlSection::required<T>(const std::string&) const;

using StringDoubleMap = std::map<std::string, double>;
LNET_YAML_SECTION_INSTANTIATE(int)
LNET_YAML_SECTION_INSTANTIATE(long)
LNET_YAML_SECTION_INSTANTIATE(double)
LNET_YAML_SECTION_INSTANTIATE(bool)
LNET_YAML_SECTION_INSTANTIATE(std::string)
LNET_YAML_SECTION_INSTANTIATE(std::vector<double>)
LNET_YAML_SECTION_INSTANTIATE(std::vector<int>)
LNET_YAML_SECTION_INSTANTIATE(std::vector<std::string>)
LNET_YAML_SECTION_INSTANTIATE(StringDoubleMap)
#undef LNET_YAML_SECTION_INSTANTIATE

}  // namespace lnet
